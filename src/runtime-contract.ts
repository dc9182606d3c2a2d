/**
 * The names shared with the container in runtime/: its environment variables and Docker build args.
 * The runtime parses the same names (runtime/src/config.ts and runtime/Dockerfile); this module is the
 * construct's single copy of them, so a rename shows up as one diff on each side.
 */

/** Environment variables the construct sets on the function. */
export const RuntimeEnv = {
  MODEL_PATH: 'LLM_MODEL_PATH',
  MODEL_S3_BUCKET: 'LLM_MODEL_S3_BUCKET',
  MODEL_S3_KEY: 'LLM_MODEL_S3_KEY',
  MODEL_S3_VERSION_ID: 'LLM_MODEL_S3_VERSION_ID',
  /** Checked by the runtime after an S3 download (and after a URL download when run outside the image). */
  MODEL_SHA256: 'LLM_MODEL_SHA256',
  MODEL_ID: 'LLM_MODEL_ID',
  CONTEXT_SIZE: 'LLM_CONTEXT_SIZE',
  THREADS: 'LLM_THREADS',
  /** Generations decoded at once, each with a KV cache of its own (set with Lambda Managed Instances). */
  PARALLEL: 'LLM_PARALLEL',
  MAX_TOKENS: 'LLM_MAX_TOKENS',
  API_KEY_SECRET_ARN: 'LLM_API_KEY_SECRET_ARN',
  LOG_PROMPTS: 'LLM_LOG_PROMPTS',
  ISOLATE_REQUESTS: 'LLM_ISOLATE_REQUESTS',
  /** A generation model answers /v1/embeddings too. */
  EMBEDDINGS: 'LLM_EMBEDDINGS',
  METRICS_NAMESPACE: 'LLM_METRICS_NAMESPACE',
  QUEUE_SIZE: 'LLM_QUEUE_SIZE',
  MAX_GENERATION_SECONDS: 'LLM_MAX_GENERATION_SECONDS',
  DEADLINE_MARGIN_MS: 'LLM_DEADLINE_MARGIN_MS',
  MAX_BODY_BYTES: 'LLM_MAX_BODY_BYTES',
  /** The chat page at / and /ui/ (the runtime serves it by default; the image turns it off). */
  WEB_UI: 'LLM_WEB_UI',
  /**
   * Trust the Web Adapter's invocation headers (request id, deadline). Set by the construct, not the image:
   * the same image run elsewhere (ECS, a laptop) must not believe headers any client can send.
   */
  TRUST_LAMBDA_CONTEXT: 'LLM_TRUST_LAMBDA_CONTEXT',
  /** Read by the Lambda Web Adapter extension, not by the server: must match the Function URL's invoke mode. */
  LWA_INVOKE_MODE: 'AWS_LWA_INVOKE_MODE',
  /** Read by both: the adapter POSTs to these paths around a SnapStart snapshot, the server serves them. */
  SNAPSTART_BEFORE_CHECKPOINT_PATH: 'AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH',
  SNAPSTART_AFTER_RESTORE_PATH: 'AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH',
} as const;

/** The server's SnapStart hook routes (paths no API route uses; the adapter refuses outside calls to them). */
export const SnapStartHookPath = {
  BEFORE_CHECKPOINT: '/_snapstart/before-checkpoint',
  AFTER_RESTORE: '/_snapstart/after-restore',
} as const;

/** The Dockerfile stage that carries the SnapStart label (the default, last stage does not). */
export const SNAPSTART_BUILD_TARGET = 'snapstart';

/**
 * Names the runtime or the Web Adapter read, which `environment` may not set: the construct owns them
 * (through its props) even when the current settings leave them unset.
 */
export const RESERVED_ENV_PREFIXES = ['LLM_', 'AWS_LWA_'] as const;
export const RESERVED_ENV_NAMES = ['PORT', 'HOST'] as const;

/**
 * The ranges the runtime accepts for its request-handling variables (runtime/src/config.ts refuses to start
 * outside them). The construct never writes a value outside these (it may be stricter where Lambda is);
 * test/contract.test.ts checks each against the built runtime.
 */
export const RuntimeBounds = {
  QUEUE_SIZE: { variable: RuntimeEnv.QUEUE_SIZE, min: 0, max: 10_000 },
  /** 0 means no cap. */
  MAX_GENERATION_SECONDS: { variable: RuntimeEnv.MAX_GENERATION_SECONDS, min: 0, max: 86_400 },
  DEADLINE_MARGIN_MS: { variable: RuntimeEnv.DEADLINE_MARGIN_MS, min: 0, max: 600_000 },
  MAX_BODY_BYTES: { variable: RuntimeEnv.MAX_BODY_BYTES, min: 1024, max: 1_073_741_824 },
  PARALLEL: { variable: RuntimeEnv.PARALLEL, min: 1, max: 64 },
} as const;

/** Docker build args of runtime/Dockerfile. */
export const BuildArg = {
  BASE_IMAGE: 'BASE_IMAGE',
  LWA_IMAGE: 'LWA_IMAGE',
  MODEL_SOURCE: 'MODEL_SOURCE',
  MODEL_FILE: 'MODEL_FILE',
  MODEL_URL: 'MODEL_URL',
  MODEL_SHA256: 'MODEL_SHA256',
  MODEL_ALLOW_UNVERIFIED: 'MODEL_ALLOW_UNVERIFIED',
  /** The size the construct sized the function for: the build fails when the model file is larger. */
  MODEL_MAX_BYTES: 'MODEL_MAX_BYTES',
} as const;

/** Values of the MODEL_SOURCE build arg. */
export const ModelSourceArg = {
  FILE: 'file',
  URL: 'url',
  NONE: 'none',
} as const;

/** Where the Dockerfile puts a model that is baked into the image. */
export const MODEL_PATH_IN_IMAGE = '/opt/model/model.gguf';

/** The model's file name inside a staged build context (the MODEL_FILE build arg). */
export const STAGED_MODEL_FILE = 'model.gguf';

/** The runtime's default EMF namespace (LLM_METRICS_NAMESPACE). */
export const DEFAULT_METRICS_NAMESPACE = 'LlmFunctionUrl';

/** EMF metric names the runtime emits, one set per request, with the single dimension FunctionName. */
export const RuntimeMetric = {
  TIME_TO_FIRST_TOKEN: 'TimeToFirstToken',
  TOKENS_PER_SECOND: 'TokensPerSecond',
  COMPLETION_TOKENS: 'CompletionTokens',
  PROMPT_TOKENS: 'PromptTokens',
  GENERATION_DURATION: 'GenerationDuration',
  /** Context sequences generating when the request started, itself included (LLM_PARALLEL). */
  SEQUENCES_IN_USE: 'SequencesInUse',
} as const;

/** EMF metric names of a /v1/embeddings request (same namespace and dimension). */
export const RuntimeEmbeddingMetric = {
  INPUTS: 'EmbeddingInputs',
  TOKENS: 'EmbeddingTokens',
  EMBEDDINGS_PER_SECOND: 'EmbeddingsPerSecond',
  DURATION: 'EmbeddingDuration',
} as const;

/** The EMF dimension the runtime sets (value: AWS_LAMBDA_FUNCTION_NAME). */
export const METRIC_DIMENSION_FUNCTION_NAME = 'FunctionName';
