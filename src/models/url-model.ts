import { SizeRoundingBehavior, Token } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { BuildArg, ModelSourceArg, MODEL_PATH_IN_IMAGE, RuntimeEnv } from '../runtime-contract';
import { DeclaredKind } from './embedding-traits';
import { LlmModel, LlmModelUrlOptions } from './llm-model';
import { LlmModelConfig } from './model-config';
import { declaredKind, modelIdFromName, optionalKvBytesPerToken, positiveBytes } from './model-name';
import { parseSha256 } from './sha256';

/** A GGUF file downloaded and verified while the image builds (see {@link LlmModel.fromUrl}). */
export class UrlModel extends LlmModel {
  private readonly url: string;
  private readonly sha256?: string;
  private readonly allowUnverified: boolean;
  private readonly sizeBytes: number;
  private readonly kvBytesPerToken?: number;
  private readonly declared: DeclaredKind;

  constructor(url: string, options: LlmModelUrlOptions) {
    super();
    if (Token.isUnresolved(url)) {
      throw new Error('LlmModel.fromUrl: url must be known at synth (it is a Docker build arg), not a token');
    }
    if (!/^https?:\/\/[^\s"'`$\\]+$/.test(url)) {
      throw new Error(`LlmModel.fromUrl: url ${JSON.stringify(url)} is not an http(s) URL without spaces or quotes`);
    }
    this.allowUnverified = options.allowUnverified ?? false;
    if (options.sha256 !== undefined) {
      this.sha256 = parseSha256('LlmModel.fromUrl: sha256', options.sha256);
    } else if (!this.allowUnverified) {
      throw new Error(`LlmModel.fromUrl: sha256 is required for ${url} (64 hexadecimal characters); set allowUnverified: true to build with an unchecked download`);
    }
    if (options.size.isUnresolved()) {
      throw new Error('LlmModel.fromUrl: size must be known at synth, not a token');
    }
    this.url = url;
    this.sizeBytes = positiveBytes('LlmModel.fromUrl: size', Math.ceil(options.size.toBytes({ rounding: SizeRoundingBehavior.NONE })));
    this.kvBytesPerToken = optionalKvBytesPerToken(options.kvCacheBytesPerToken);
    this.declared = declaredKind('LlmModel.fromUrl', options);
  }

  /** @internal */
  public _bind(_scope: Construct): LlmModelConfig {
    const buildArgs: { [name: string]: string } = {
      [BuildArg.MODEL_SOURCE]: ModelSourceArg.URL,
      [BuildArg.MODEL_URL]: this.url,
      // The function is sized for `size`: a larger file would not fit its memory, so the build refuses it.
      [BuildArg.MODEL_MAX_BYTES]: String(this.sizeBytes),
    };
    if (this.sha256) {
      buildArgs[BuildArg.MODEL_SHA256] = this.sha256;
    } else {
      buildArgs[BuildArg.MODEL_ALLOW_UNVERIFIED] = 'true';
    }
    return {
      sizeBytes: this.sizeBytes,
      defaultModelId: modelIdFromName(new URL(this.url).pathname),
      downloadsAtStart: false,
      builtIntoImage: true,
      buildArgs,
      environment: { [RuntimeEnv.MODEL_PATH]: MODEL_PATH_IN_IMAGE },
      kvCacheBytesPerToken: this.kvBytesPerToken,
      kind: this.declared.kind,
      embeddingTraits: this.declared.traits,
      vocabularySize: this.declared.vocabularySize,
    };
  }
}
