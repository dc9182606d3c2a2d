import { SizeRoundingBehavior } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { MODEL_PATH_IN_IMAGE, RuntimeEnv } from '../runtime-contract';
import { DeclaredKind } from './embedding-traits';
import { LlmModel, LlmModelSizeOptions } from './llm-model';
import { LlmModelConfig } from './model-config';
import { declaredKind, optionalKvBytesPerToken, positiveBytes } from './model-name';

/** The model already inside a prebuilt image (see {@link LlmModel.fromImage}). */
export class ImageModel extends LlmModel {
  private readonly sizeBytes: number;
  private readonly kvBytesPerToken?: number;
  private readonly declared: DeclaredKind;

  constructor(options: LlmModelSizeOptions) {
    super();
    if (options.size.isUnresolved()) {
      throw new Error('LlmModel.fromImage: size must be known at synth, not a token');
    }
    this.sizeBytes = positiveBytes('LlmModel.fromImage: size', Math.ceil(options.size.toBytes({ rounding: SizeRoundingBehavior.NONE })));
    this.kvBytesPerToken = optionalKvBytesPerToken(options.kvCacheBytesPerToken);
    this.declared = declaredKind('LlmModel.fromImage', options);
  }

  /** @internal */
  public _bind(_scope: Construct): LlmModelConfig {
    return {
      sizeBytes: this.sizeBytes,
      // The runtime names a model after its file, and the Dockerfile always writes model.gguf.
      defaultModelId: 'model',
      downloadsAtStart: false,
      requiresPrebuiltImage: true,
      environment: { [RuntimeEnv.MODEL_PATH]: MODEL_PATH_IN_IMAGE },
      kvCacheBytesPerToken: this.kvBytesPerToken,
      kind: this.declared.kind,
      embeddingTraits: this.declared.traits,
      vocabularySize: this.declared.vocabularySize,
    };
  }
}
