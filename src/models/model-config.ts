import * as iam from 'aws-cdk-lib/aws-iam';
import { EmbeddingTraits } from './embedding-traits';
import { LlmModelKind } from './llm-model-kind';

/**
 * What a model source contributes to the function. Returned by `LlmModel._bind`: internal to the
 * library (not exported from its index), because build args and variables are the runtime's private contract.
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
   *
   * @default - the source does not build an image
   */
  readonly buildArgs?: { [name: string]: string };

  /**
   * The model is inside an image built beforehand: the construct must be given that image.
   *
   * @default false
   */
  readonly requiresPrebuiltImage?: boolean;

  /**
   * The model is built into the image at deploy time, so a prebuilt image cannot serve it.
   *
   * @default false
   */
  readonly builtIntoImage?: boolean;

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
   * Generation or embedding: what the function is sized for.
   */
  readonly kind: LlmModelKind;

  /**
   * What the header says about an embedding model's batches, when the source read it.
   *
   * @default - unknown: sized for the worst case (whole-context batches)
   */
  readonly embeddingTraits?: EmbeddingTraits;

  /**
   * Tokens in the vocabulary, when the source read them (embedding contexts hold an output row per batch token).
   *
   * @default - unknown: sized for a large vocabulary
   */
  readonly vocabularySize?: number;

  /**
   * Permissions the function's role needs to read the model.
   *
   * @default - none
   */
  readonly policyStatements?: iam.PolicyStatement[];
}

