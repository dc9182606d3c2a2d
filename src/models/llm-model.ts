import { Size } from 'aws-cdk-lib';
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

  /**
   * What the model does: `LlmModelKind.EMBEDDING` for an embedding model (Qwen3-Embedding, bge, nomic-embed...),
   * which answers `POST /v1/embeddings` and is sized for embedding contexts instead of answers. Synth cannot read a
   * remote file's header, so say it here; `LlmModel.fromFile` reads it from the file. The runtime reads the kind
   * from the file it loads either way: this only decides the sizing.
   *
   * @default LlmModelKind.GENERATION
   */
  readonly kind?: LlmModelKind;

  /**
   * An embedding model's pooling, from its model card: with `EmbeddingPooling.LAST` the runtime evaluates long
   * inputs in 512-token batches, with MEAN or CLS in one batch as long as the context, and llama.cpp keeps an
   * output row of the vocabulary per batch token, so this decides most of an embedding context's memory. Only
   * with `kind: LlmModelKind.EMBEDDING`.
   *
   * @default - unknown: sized for batches as long as the context (MEAN or CLS)
   */
  readonly embeddingPooling?: EmbeddingPooling;

  /**
   * Tokens in the model's vocabulary (its card or `tokenizer.ggml.tokens`): an embedding batch holds an output row
   * of this many floats per token. Only with `kind: LlmModelKind.EMBEDDING`. Qwen3-Embedding: 151669; bge and
   * nomic-embed: 30522; EmbeddingGemma: 262144.
   *
   * @default - 262,144, the largest among embedding model families in GGUF
   */
  readonly vocabularySize?: number;
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
export interface LlmModelBucketOptions extends LlmModelSizeOptions {
  /**
   * The S3 version id of the object to serve (the bucket must be versioned). The function then reads that
   * version only (`s3:GetObjectVersion` on the object), so overwriting the key changes nothing until you
   * deploy a new version id.
   *
   * @default - the current version of the object at each cold start
   */
  readonly objectVersion?: string;

  /**
   * The SHA-256 of the GGUF object, 64 hexadecimal characters. The runtime hashes the download (about 3 s
   * per GB at cold start) and refuses to start on a mismatch, logging both checksums: a wrong model is
   * never served.
   *
   * @default - the download is not checked against a checksum
   */
  readonly sha256?: string;
}

/**
 * The GGUF model the function serves, and where it comes from.
 *
 * - `fromFile`: a local file baked into the image (simplest; the file is copied into the build context).
 * - `fromUrl`: downloaded while the image builds and checked against its SHA-256.
 * - `fromBucket`: downloaded from S3 into /tmp at each cold start (keeps the image small; the model can
 *   change without rebuilding the image).
 * - `fromImage`: already inside a prebuilt image passed as the construct's `image`.
 */
export abstract class LlmModel {
  /**
   * A GGUF file on the machine that runs `cdk synth`. Its size, shape (layers, KV heads, vocabulary) and kind
   * (generation or embedding, from its pooling type and architecture) are read from the file, so the tuner sizes
   * the function exactly. The file is hard-linked (or copied) into a build
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
   * @param options size of the object, and optionally the version and checksum that pin it
   */
  public static fromBucket(bucket: s3.IBucket, key: string, options: LlmModelBucketOptions): LlmModel {
    return new BucketModel(bucket, key, options);
  }

  /**
   * The model baked into a prebuilt image (the construct's `image` prop), built from this package's
   * `runtime/Dockerfile` with `MODEL_SOURCE=file` or `url`, which puts it at `/opt/model/model.gguf`.
   * Synth cannot look inside the image, so the size (and ideally the KV cache shape) is given here.
   *
   * @param options size of the model file inside the image
   */
  public static fromImage(options: LlmModelSizeOptions): LlmModel {
    return new ImageModel(options);
  }

  /**
   * Called by the construct to learn what this source needs. Internal: the build args and environment it
   * returns are the contract with the runtime's Dockerfile, not a public API.
   *
   * @internal
   */
  public abstract _bind(scope: Construct): LlmModelConfig;
}

// These imports come last: the sources extend LlmModel, so it must be defined before they load.
import { BucketModel } from './bucket-model';
import { EmbeddingPooling } from './embedding-pooling';
import { FileModel } from './file-model';
import { ImageModel } from './image-model';
import { LlmModelKind } from './llm-model-kind';
import { LlmModelConfig } from './model-config';
import { UrlModel } from './url-model';
