import { Size } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/**
 * Sizing facts for a model the construct cannot measure at synth (a URL or an S3 object).
 */
export interface LlmModelSizeOptions {
  /**
   * The size of the GGUF file. Synth cannot measure a remote file, and memory, timeout and /tmp are
   * derived from it, so it is required. Round up: a larger value only costs a little more memory.
   */
  readonly size: Size;

  /**
   * Bytes of KV cache one token of context takes: 2 x layers x KV heads x head length x 2 bytes (f16).
   * DeepSeek-R1-Distill-Qwen-1.5B: 28672; DeepSeek-R1-Distill-Qwen-7B: 57344; Llama-3 8B and
   * DeepSeek-R1-Distill-Llama-8B: 131072.
   *
   * @default - a conservative estimate of 64 KiB per GiB of model file
   */
  readonly kvCacheBytesPerToken?: number;
}

/**
 * Options for {@link LlmModel.fromUrl}.
 */
export interface LlmModelUrlOptions extends LlmModelSizeOptions {
  /**
   * The SHA-256 of the GGUF file, 64 hexadecimal characters. The image build fails when the download
   * does not match. Required unless `allowUnverified` is true.
   *
   * @default - none: `allowUnverified` must then be true
   */
  readonly sha256?: string;

  /**
   * Build the image with a model that is not checked against a checksum. Anyone who can change what the
   * URL serves can then change what your function runs.
   *
   * @default false
   */
  readonly allowUnverified?: boolean;
}

/**
 * Options for {@link LlmModel.fromBucket}.
 */
export interface LlmModelBucketOptions extends LlmModelSizeOptions {}

/**
 * What a model source contributes to the function. Returned by {@link LlmModel.bind}.
 */
export interface LlmModelConfig {
  /**
   * The size of the GGUF file in bytes.
   */
  readonly sizeBytes: number;

  /**
   * The name the runtime reports in `/v1/models` and in responses, unless the construct's `modelId` is set.
   */
  readonly defaultModelId: string;

  /**
   * Docker build args for runtime/Dockerfile (MODEL_SOURCE and what it needs).
   */
  readonly buildArgs: { [name: string]: string };

  /**
   * A local GGUF file to place in the image's build context.
   *
   * @default - the model is not copied into the build context
   */
  readonly localFile?: string;

  /**
   * Environment variables the runtime needs to find the model.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * Whether the runtime downloads the model into /tmp at each cold start (so /tmp is sized to hold it).
   */
  readonly downloadsAtStart: boolean;

  /**
   * Exact KV cache bytes per token of context, when the source knows them.
   *
   * @default - estimated from `sizeBytes`
   */
  readonly kvCacheBytesPerToken?: number;

  /**
   * The context length the model was trained for, when known.
   *
   * @default - unknown
   */
  readonly trainedContextLength?: number;

  /**
   * Permissions the function's role needs to read the model.
   *
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];
}

/**
 * The GGUF model the function serves, and where it comes from.
 *
 * - `fromFile`: a local file baked into the image (simplest; the file is copied into the build context).
 * - `fromUrl`: downloaded while the image builds and checked against its SHA-256.
 * - `fromBucket`: downloaded from S3 into /tmp at each cold start (keeps the image small; the model can
 *   change without rebuilding the image).
 */
export abstract class LlmModel {
  /**
   * A GGUF file on the machine that runs `cdk synth`. Its size and shape (layers, KV heads) are read from
   * the file, so the tuner sizes the function exactly. The file is hard-linked (or copied) into a build
   * context staged in the cloud assembly; it never enters the npm package.
   *
   * @param path path of the .gguf file
   */
  public static fromFile(path: string): LlmModel {
    return new FileModel(path);
  }

  /**
   * A GGUF file downloaded over HTTPS while the image builds, verified against `options.sha256`.
   * Pin the URL to a fixed revision (for Hugging Face: `/resolve/<commit>/`, not `/resolve/main/`).
   *
   * @param url http(s) URL of the .gguf file
   * @param options checksum and size of the file
   */
  public static fromUrl(url: string, options: LlmModelUrlOptions): LlmModel {
    return new UrlModel(url, options);
  }

  /**
   * A GGUF object in S3, downloaded into /tmp at each cold start. The function's role may read exactly
   * this object, and /tmp is sized to hold it.
   *
   * @param bucket the bucket holding the model
   * @param key the object key of the .gguf file
   * @param options size of the object
   */
  public static fromBucket(bucket: s3.IBucket, key: string, options: LlmModelBucketOptions): LlmModel {
    return new BucketModel(bucket, key, options);
  }

  /**
   * Called by the construct to learn what this source needs.
   *
   * @param scope the construct that serves the model
   */
  public abstract bind(scope: Construct): LlmModelConfig;
}

// These imports come last: the sources extend LlmModel, so it must be defined before they load.
import { BucketModel } from './bucket-model';
import { FileModel } from './file-model';
import { UrlModel } from './url-model';
