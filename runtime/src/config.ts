import { accessSync, constants as fsConstants } from 'node:fs';
import { availableParallelism, homedir, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { normalizeOrigin } from './http/origin.js';
// The pinned default model (local use); the model-source code enforces its checksum when downloading it.
import { DEFAULT_MODEL_URL } from './model-source/index.js';

/** One documented environment variable. README's table and the tests are checked against this list. */
export interface EnvVarDoc {
  readonly name: string;
  /** The default, as a user reads it. */
  readonly default: string;
  readonly description: string;
}


export const ENV_VARS: readonly EnvVarDoc[] = [
  { name: 'PORT', default: '8080', description: 'TCP port the HTTP server listens on.' },
  { name: 'HOST', default: '127.0.0.1', description: 'Bind address (the Dockerfile sets 0.0.0.0).' },
  { name: 'LLM_MODEL_PATH', default: 'unset', description: 'GGUF file to serve. When unset, the model comes from S3 (LLM_MODEL_S3_BUCKET/KEY) or is downloaded from LLM_MODEL_URL.' },
  { name: 'LLM_MODEL_URL', default: 'the pinned DeepSeek-R1-Distill-Qwen-1.5B Q4_K_M GGUF', description: 'Model downloaded (once, into LLM_MODEL_CACHE_DIR) when no path and no S3 object is set.' },
  { name: 'LLM_MODEL_SHA256', default: 'the pinned checksum for the default URL, else unset', description: 'Expected SHA-256 of the model downloaded from LLM_MODEL_URL or S3 (64 hex characters); a mismatch deletes the download and stops the start.' },
  { name: 'LLM_MODEL_CACHE_DIR', default: '$XDG_CACHE_HOME or ~/.cache, + /llm-function-url/models; /tmp/llm-function-url/models when HOME is not writable', description: 'Where downloaded models are kept between runs.' },
  { name: 'LLM_MODEL_S3_BUCKET', default: 'unset', description: 'S3 bucket of the model, fetched into /tmp at start (needs LLM_MODEL_S3_KEY; endpoint override: AWS_ENDPOINT_URL_S3).' },
  { name: 'LLM_MODEL_S3_KEY', default: 'unset', description: 'S3 key of the model (needs LLM_MODEL_S3_BUCKET).' },
  { name: 'LLM_MODEL_S3_VERSION_ID', default: 'unset (the current version)', description: 'S3 version id of the model object to fetch (needs LLM_MODEL_S3_BUCKET and LLM_MODEL_S3_KEY).' },
  { name: 'LLM_MODEL_ID', default: 'the model file name without .gguf', description: 'Model id reported by /v1/models and in every response.' },
  { name: 'LLM_CONTEXT_SIZE', default: '4096', description: 'Context size in tokens (prompt + answer). llama.cpp rounds it up to a multiple of 256; the effective size is logged at start.' },
  { name: 'LLM_THREADS', default: 'os.availableParallelism()', description: 'CPU threads used to evaluate the model.' },
  { name: 'LLM_PARALLEL', default: '1', description: 'Generations decoded at once (1-64), each holding a context sequence with a KV cache of its own of LLM_CONTEXT_SIZE tokens (the KV cache grows this many times), decoded together in one batch; LLM_QUEUE_SIZE more may wait. The construct sets it to managedInstances.maxConcurrency on Lambda Managed Instances.' },
  { name: 'LLM_MAX_TOKENS', default: '2048', description: 'Upper bound for max_tokens / max_completion_tokens, and the value used when a request gives none.' },
  { name: 'LLM_MAX_GENERATION_SECONDS', default: '0', description: 'Wall-clock cap per generation in seconds (0 = no cap); a capped answer ends with finish_reason "length".' },
  { name: 'LLM_DEADLINE_MARGIN_MS', default: '1500', description: 'Stop generating this long before the Lambda invocation deadline (x-amzn-lambda-context), so the answer so far can still be sent.' },
  { name: 'LLM_QUEUE_SIZE', default: '4', description: 'Requests allowed to wait behind the running generation; more get 429 with Retry-After.' },
  { name: 'LLM_MAX_BODY_BYTES', default: '1048576', description: 'Request body cap in bytes; larger bodies get 413.' },
  { name: 'LLM_REQUEST_TIMEOUT_SECONDS', default: '300', description: 'Time a client has to send a whole request, headers and body; a slower one gets 408 and the connection is closed. The headers alone must arrive within 60 s (or this value when it is shorter).' },
  { name: 'LLM_ALLOWED_ORIGINS', default: 'unset (no other site)', description: 'Web origins whose pages may call the API from a browser, comma-separated (https://app.example.com,http://localhost:3000), or * for any: they get CORS answers (preflight included). When HOST is a loopback address, requests from any other origin, and requests whose Host is not a loopback name, get 403.' },
  { name: 'LLM_API_KEY', default: 'unset', description: 'Bearer key every route but /health and the chat page files requires (local use). Set but blank is refused at start (never silently open).' },
  { name: 'LLM_API_KEY_SECRET_ARN', default: 'unset', description: 'Secrets Manager secret holding the bearer key, read once at start (SecretString is the key, or JSON with an "apiKey" field; endpoint override: AWS_ENDPOINT_URL_SECRETS_MANAGER).' },
  { name: 'LLM_LOG_PROMPTS', default: 'false', description: '"true" adds prompt and answer text to the request log lines.' },
  { name: 'LLM_USE_MMAP', default: 'false', description: '"true" maps the GGUF file instead of reading it into memory: faster to load from a warm page cache, but llama.cpp keeps a repacked copy of most weights as well, so resident memory reaches about twice the file (docs/benchmarks).' },
  { name: 'LLM_ISOLATE_REQUESTS', default: 'false', description: '"true" clears the model\'s context after every generation, so no request reuses the evaluated prompt of the one before (another caller\'s system prompt or document): closes the timing side channel of prefix reuse, at the cost of evaluating every prompt in full (docs/benchmarks).' },
  { name: 'LLM_TRUST_LAMBDA_CONTEXT', default: 'false', description: '"true" takes the request id and the invocation deadline from the x-amzn-lambda-context, x-amzn-request-id and x-request-id headers. Only behind the Lambda Web Adapter (the construct sets it on the function), where the adapter writes them; elsewhere any client could send them.' },
  { name: 'LLM_METRICS_NAMESPACE', default: 'LlmFunctionUrl', description: 'CloudWatch namespace of the Embedded Metric Format log lines.' },
  { name: 'LLM_EMBEDDINGS', default: 'false', description: '"true" lets a generation model answer POST /v1/embeddings too (llama-server\'s --embeddings): its last token\'s hidden state, from embedding contexts on the same weights. An embedding model (read from the GGUF: a pooling type, or an encoder-only architecture) always answers it, and refuses the generation routes.' },
  { name: 'LLM_EMBEDDINGS_TRUNCATE', default: 'false', description: '"true" embeds the beginning of an input longer than the context instead of refusing it with a 400 naming the input; a request\'s own "truncate" field wins.' },
  { name: 'LLM_WEB_UI', default: 'true (the Dockerfile sets false)', description: '"true" serves the chat page: GET / from a browser (a request that accepts text/html) and its files under /ui/. The page and its files need no key; every API call it makes does.' },
  { name: 'AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH', default: 'unset', description: 'SnapStart: the path the Lambda Web Adapter POSTs to before the snapshot; the server then runs one short generation so the snapshot holds a warm engine. The route exists only when set, and answers only local calls that did not come through an invocation.' },
  { name: 'AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH', default: 'unset', description: 'SnapStart: the path the Lambda Web Adapter POSTs to after a restore; the server reloads the bearer key from Secrets Manager and marks the next request "restored". Same rules as the before-checkpoint path.' },
];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly modelPath?: string;
  readonly modelUrl: string;
  readonly modelSha256?: string;
  readonly modelCacheDir: string;
  readonly s3Bucket?: string;
  readonly s3Key?: string;
  readonly s3VersionId?: string;
  readonly modelId?: string;
  readonly contextSize: number;
  readonly threads: number;
  /** Generations decoded at once, each with a sequence of its own (LLM_PARALLEL). */
  readonly parallel: number;
  readonly maxTokens: number;
  readonly maxGenerationSeconds: number;
  readonly deadlineMarginMs: number;
  readonly queueSize: number;
  readonly maxBodyBytes: number;
  /** Whole request (headers and body) deadline, LLM_REQUEST_TIMEOUT_SECONDS. */
  readonly requestTimeoutSeconds: number;
  /** Normalized origins (or `*`) allowed to call from a browser, LLM_ALLOWED_ORIGINS. */
  readonly allowedOrigins: readonly string[];
  readonly apiKey?: string;
  readonly apiKeySecretArn?: string;
  readonly logPrompts: boolean;
  readonly useMmap: boolean;
  readonly metricsNamespace: string;
  /** Clear the context sequence after each generation (LLM_ISOLATE_REQUESTS). */
  readonly isolateRequests: boolean;
  /** A generation model also answers /v1/embeddings (LLM_EMBEDDINGS). */
  readonly embeddings: boolean;
  /** Cut embedding inputs that do not fit instead of refusing them, unless a request says otherwise (LLM_EMBEDDINGS_TRUNCATE). */
  readonly embeddingsTruncate: boolean;
  /** Serve the chat page at / and its files under /ui/ (LLM_WEB_UI). */
  readonly webUi: boolean;
  /** Take the request id and deadline from the Lambda Web Adapter's headers (LLM_TRUST_LAMBDA_CONTEXT). */
  readonly trustLambdaContext: boolean;
  /** Lambda sets AWS_LAMBDA_FUNCTION_NAME; locally the metric dimension reads "local". */
  readonly functionName: string;
  /** The SnapStart hook paths the Web Adapter calls; undefined when SnapStart is not in use. */
  readonly snapStartBeforeCheckpointPath?: string;
  readonly snapStartAfterRestorePath?: string;
}

/** A configuration mistake: the message names the variable, and the server refuses to start. */
export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Readonly<Record<string, string | undefined>>;

function text(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/** A secret that is set must hold something: a blank one would otherwise read as "no key" and open the server. */
function secretText(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new ConfigError(name, 'is set but blank; set a key, or unset the variable to run without one');
  return value.trim();
}

function integer(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw)) throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(name, `expected a whole number from ${min} to ${max}, got ${raw}`);
  return value;
}

function boolean(env: Env, name: string, fallback = false): boolean {
  const raw = text(env, name);
  if (raw === undefined) return fallback;
  const lower = raw.toLowerCase();
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  throw new ConfigError(name, `expected "true" or "false", got "${raw}"`);
}

/** A hook path must not shadow an API route, and must be plain enough that the adapter can guard it. */
function hookPath(env: Env, name: string): string | undefined {
  const path = text(env, name);
  if (path === undefined) return undefined;
  if (!/^\/[A-Za-z0-9._~/-]+$/.test(path) || path.split('/').some((segment) => segment === '.' || segment === '..')) {
    throw new ConfigError(name, `expected a plain absolute path such as /_snapstart/before-checkpoint, got "${path}"`);
  }
  if (path === '/health' || path.startsWith('/v1/') || path === '/v1') {
    throw new ConfigError(name, `"${path}" is one of the server's own routes; use a path of its own such as /_snapstart/before-checkpoint`);
  }
  return path;
}

/** LLM_ALLOWED_ORIGINS: each entry an origin (normalized as browsers send it) or `*`. */
function allowedOrigins(env: Env): readonly string[] {
  const name = 'LLM_ALLOWED_ORIGINS';
  const entries = (text(env, name) ?? '').split(',').map((entry) => entry.trim()).filter((entry) => entry !== '');
  return entries.map((entry) => {
    if (entry === '*') return entry;
    if (entry.toLowerCase() === 'null') {
      throw new ConfigError(name, '"null" is the origin of sandboxed frames and local files, which any web page can create; it cannot be allowed');
    }
    const origin = normalizeOrigin(entry);
    if (origin === undefined) {
      throw new ConfigError(name, `expected origins such as https://app.example.com or http://localhost:3000 (scheme, host, optional port, no path), or *; got "${entry}"`);
    }
    return origin;
  });
}

/**
 * $XDG_CACHE_HOME when set, else ~/.cache when HOME is a writable folder; otherwise (Lambda, a read-only
 * container, HOME=/nonexistent) the temporary folder.
 */
export function defaultModelCacheDir(env: Env): string {
  const xdg = text(env, 'XDG_CACHE_HOME');
  if (xdg !== undefined) return join(xdg, 'llm-function-url', 'models');
  const home = text(env, 'HOME') ?? homedir();
  try {
    accessSync(home, fsConstants.W_OK);
    return join(home, '.cache', 'llm-function-url', 'models');
  } catch {
    return join(tmpdir(), 'llm-function-url', 'models');
  }
}

export function loadConfig(env: Env = process.env): Config {
  const modelPath = text(env, 'LLM_MODEL_PATH');
  const s3Bucket = text(env, 'LLM_MODEL_S3_BUCKET');
  const s3Key = text(env, 'LLM_MODEL_S3_KEY');
  if ((s3Bucket === undefined) !== (s3Key === undefined)) {
    const [set, missing] = s3Bucket !== undefined ? ['LLM_MODEL_S3_BUCKET', 'LLM_MODEL_S3_KEY'] : ['LLM_MODEL_S3_KEY', 'LLM_MODEL_S3_BUCKET'];
    throw new ConfigError(set, `is set but ${missing} is not; set both or neither`);
  }
  const s3VersionId = text(env, 'LLM_MODEL_S3_VERSION_ID');
  if (s3VersionId !== undefined && s3Key === undefined) {
    throw new ConfigError('LLM_MODEL_S3_VERSION_ID', 'is set but LLM_MODEL_S3_BUCKET and LLM_MODEL_S3_KEY are not');
  }
  const modelUrl = text(env, 'LLM_MODEL_URL') ?? DEFAULT_MODEL_URL;
  try {
    const url = new URL(modelUrl);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('not http(s)');
  } catch {
    throw new ConfigError('LLM_MODEL_URL', `expected an http(s) URL, got "${modelUrl}"`);
  }
  const modelSha256 = text(env, 'LLM_MODEL_SHA256')?.toLowerCase();
  if (modelSha256 !== undefined && !/^[0-9a-f]{64}$/.test(modelSha256)) {
    throw new ConfigError('LLM_MODEL_SHA256', 'expected 64 hexadecimal characters');
  }
  const modelId = text(env, 'LLM_MODEL_ID');
  if (modelId !== undefined && !/^[\w.:/@+-]{1,128}$/.test(modelId)) {
    throw new ConfigError('LLM_MODEL_ID', 'expected 1 to 128 letters, digits or . _ - : / @ +');
  }
  const apiKey = secretText(env, 'LLM_API_KEY');
  const apiKeySecretArn = secretText(env, 'LLM_API_KEY_SECRET_ARN');
  if (apiKey !== undefined && apiKeySecretArn !== undefined) {
    throw new ConfigError('LLM_API_KEY', 'set LLM_API_KEY or LLM_API_KEY_SECRET_ARN, not both');
  }
  if (apiKeySecretArn !== undefined && !/^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$/.test(apiKeySecretArn)) {
    throw new ConfigError('LLM_API_KEY_SECRET_ARN', `expected a Secrets Manager secret ARN, got "${apiKeySecretArn}"`);
  }
  const metricsNamespace = text(env, 'LLM_METRICS_NAMESPACE') ?? 'LlmFunctionUrl';
  if (!/^[\w.#:/ -]{1,255}$/.test(metricsNamespace) || metricsNamespace.startsWith('AWS/')) {
    throw new ConfigError('LLM_METRICS_NAMESPACE', 'expected a CloudWatch namespace (letters, digits, . - _ / # : space; not starting with AWS/)');
  }
  const contextSize = integer(env, 'LLM_CONTEXT_SIZE', 4096, 64, 1_048_576);
  const snapStartBeforeCheckpointPath = hookPath(env, 'AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH');
  const snapStartAfterRestorePath = hookPath(env, 'AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH');
  if (snapStartBeforeCheckpointPath !== undefined && snapStartBeforeCheckpointPath === snapStartAfterRestorePath) {
    throw new ConfigError('AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH', 'must differ from AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH');
  }
  return {
    port: integer(env, 'PORT', 8080, 0, 65535),
    host: text(env, 'HOST') ?? '127.0.0.1',
    modelPath,
    modelUrl,
    modelSha256,
    modelCacheDir: text(env, 'LLM_MODEL_CACHE_DIR') ?? defaultModelCacheDir(env),
    s3Bucket,
    s3Key,
    ...(s3VersionId !== undefined ? { s3VersionId } : {}),
    modelId,
    contextSize,
    threads: integer(env, 'LLM_THREADS', availableParallelism(), 1, 1024),
    parallel: integer(env, 'LLM_PARALLEL', 1, 1, 64),
    maxTokens: integer(env, 'LLM_MAX_TOKENS', 2048, 1, 1_048_576),
    maxGenerationSeconds: integer(env, 'LLM_MAX_GENERATION_SECONDS', 0, 0, 86_400),
    deadlineMarginMs: integer(env, 'LLM_DEADLINE_MARGIN_MS', 1500, 0, 600_000),
    queueSize: integer(env, 'LLM_QUEUE_SIZE', 4, 0, 10_000),
    maxBodyBytes: integer(env, 'LLM_MAX_BODY_BYTES', 1_048_576, 1024, 1_073_741_824),
    requestTimeoutSeconds: integer(env, 'LLM_REQUEST_TIMEOUT_SECONDS', 300, 1, 3600),
    allowedOrigins: allowedOrigins(env),
    apiKey,
    apiKeySecretArn,
    logPrompts: boolean(env, 'LLM_LOG_PROMPTS'),
    useMmap: boolean(env, 'LLM_USE_MMAP'),
    metricsNamespace,
    isolateRequests: boolean(env, 'LLM_ISOLATE_REQUESTS'),
    embeddings: boolean(env, 'LLM_EMBEDDINGS'),
    embeddingsTruncate: boolean(env, 'LLM_EMBEDDINGS_TRUNCATE'),
    webUi: boolean(env, 'LLM_WEB_UI', true),
    trustLambdaContext: boolean(env, 'LLM_TRUST_LAMBDA_CONTEXT'),
    functionName: text(env, 'AWS_LAMBDA_FUNCTION_NAME') ?? 'local',
    snapStartBeforeCheckpointPath,
    snapStartAfterRestorePath,
  };
}

/** The id the API reports: LLM_MODEL_ID, else the file name without its .gguf extension. */
export function modelIdFor(config: Config, modelPath: string): string {
  return config.modelId ?? basename(modelPath).replace(/\.gguf$/i, '');
}
