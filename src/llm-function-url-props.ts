import { Duration, Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { LlmModel } from './models/llm-model';

/**
 * Properties of {@link LlmFunctionUrl}. Only `model` is required: memory, threads, timeout and /tmp are
 * derived from the model's size, `contextSize` and `maxTokens` (see "Default settings" in the README).
 */
export interface LlmFunctionUrlProps {
  /**
   * The GGUF model to serve: `LlmModel.fromFile`, `LlmModel.fromUrl` or `LlmModel.fromBucket`.
   */
  readonly model: LlmModel;

  /**
   * The name the API reports for the model (`/v1/models`, the `model` field of responses).
   *
   * @default - the model's file name without `.gguf`
   */
  readonly modelId?: string;

  /**
   * The CPU architecture of the function and of its image. ARM_64 (Graviton) costs about 20% less per
   * GB-second than X86_64. The image is built for this platform, which needs emulation (or a matching
   * machine) where `cdk deploy` runs.
   *
   * @default lambda.Architecture.ARM_64
   */
  readonly architecture?: lambda.Architecture;

  /**
   * Memory in MB (128-10240). Lambda gives CPU in proportion: one vCPU per 1,769 MB. You pay per GB-second,
   * so more memory costs more per second but generates faster.
   *
   * @default - model file + KV cache for `contextSize` + 512 MB runtime + 10% headroom, rounded up to
   * 64 MB, and at least the memory that gives `threads` vCPUs (2 vCPUs, 3,584 MB, when `threads` is not set)
   */
  readonly memorySize?: number;

  /**
   * CPU threads llama.cpp uses. Setting it also raises the tuned memory to give that many vCPUs
   * (1-6; 6 means the maximum of 10,240 MB).
   *
   * @default - the whole vCPUs of the memory share (memory / 1,769 MB, at least 1)
   */
  readonly threads?: number;

  /**
   * The function timeout (at most 15 minutes). The runtime stops generating shortly before it, so a
   * short timeout shortens long answers instead of failing them. You pay only for time used.
   *
   * @default - a cold start plus a full-context prompt and `maxTokens` generated at a conservative
   * speed, rounded up to 10 s, at most 15 minutes
   */
  readonly timeout?: Duration;

  /**
   * The size of /tmp (512 MB-10 GB). Above 512 MB it is billed per GB-second.
   *
   * @default - 512 MB; for `LlmModel.fromBucket`, the model size + 512 MB rounded up to 64 MB
   */
  readonly ephemeralStorageSize?: Size;

  /**
   * The context window in tokens (prompt + answer). Each token of context costs KV cache memory
   * (28 KB for a 1.5B Qwen, 128 KB for an 8B Llama).
   *
   * @default 4096
   */
  readonly contextSize?: number;

  /**
   * The most tokens one answer may have (requests may ask for fewer). DeepSeek-R1's reasoning counts.
   *
   * @default 2048
   */
  readonly maxTokens?: number;

  /**
   * Who may call the Function URL. AWS_IAM: only signed requests from principals you grant with
   * `grantInvokeUrl`. NONE: anyone on the internet reaches the function; it then requires a bearer key
   * (see `requireApiKey`).
   *
   * @default lambda.FunctionUrlAuthType.AWS_IAM
   */
  readonly authType?: lambda.FunctionUrlAuthType;

  /**
   * Require `Authorization: Bearer <key>` on every request (what OpenAI SDKs send). The key is read from
   * `apiKeySecret`, or from a secret the construct generates. Setting it to false with `NONE` auth makes
   * the endpoint public to anyone who finds the URL.
   *
   * @default - true when `authType` is NONE or `apiKeySecret` is given, otherwise false
   */
  readonly requireApiKey?: boolean;

  /**
   * The Secrets Manager secret holding the bearer key: its SecretString is the key itself, or JSON with an
   * `apiKey` field. The function reads it once per cold start, so after changing the key, update the
   * function (or wait for new instances) before old keys stop working.
   *
   * @default - when a key is required, a generated 48-character secret (about $0.40 a month)
   */
  readonly apiKeySecret?: secretsmanager.ISecret;

  /**
   * CORS for browsers calling the Function URL, passed through as given.
   *
   * @default - no CORS headers: browsers on other origins cannot call the URL
   */
  readonly cors?: lambda.FunctionUrlCorsOptions;

  /**
   * RESPONSE_STREAM sends tokens as they are generated (Server-Sent Events) and allows responses above
   * 6 MB; BUFFERED returns the whole answer at once.
   *
   * @default lambda.InvokeMode.RESPONSE_STREAM
   */
  readonly invokeMode?: lambda.InvokeMode;

  /**
   * A cap on concurrent instances, and so on cost: each instance serves one generation at a time.
   * Reserving concurrency fails to deploy on accounts whose concurrency quota is still at the low
   * starting value (10 or 50), which is why it is not set by default.
   *
   * @default - no reservation: the function shares the account's unreserved concurrency
   */
  readonly reservedConcurrentExecutions?: number;

  /**
   * How long the function's logs are kept. Logs are billed per GB ingested and stored.
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * Write prompt and answer text to the logs. Off by default: prompts often hold personal data.
   *
   * @default false
   */
  readonly logPrompts?: boolean;

  /**
   * Forget each request's evaluated prompt before the next request on the same instance. By default the
   * runtime reuses the prompt tokens a new request shares with the one before (a chat's earlier turns),
   * which lets a caller tell from its time to first token whether the previous request began like its
   * own (another user's system prompt or document). Turn this on when callers must not learn about each
   * other. Cost: every request evaluates its whole prompt; measured in docs/benchmarks/prefix-reuse.md
   * (turn 2 of a chat with a ~700-token history starts answering several times later).
   *
   * @default false
   */
  readonly isolateRequests?: boolean;

  /**
   * X-Ray tracing. ACTIVE records the Lambda service's segments (init, invocation) and adds
   * `xray:PutTraceSegments`/`PutTelemetryRecords` on `*`, which cdk-nag's AwsSolutions-IAM5 reports (X-Ray
   * has no resource-level permissions).
   *
   * @default - not set (no traces)
   */
  readonly tracing?: lambda.Tracing;

  /**
   * The CloudWatch namespace of the runtime's per-request metrics (embedded metric format).
   *
   * @default 'LlmFunctionUrl'
   */
  readonly metricsNamespace?: string;

  /**
   * More environment variables for the runtime (for example LLM_QUEUE_SIZE or LLM_MAX_GENERATION_SECONDS).
   * Variables the construct sets from its props cannot be overridden here: use the props.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * The Node.js base image of the runtime (a Debian image with glibc 2.34+), for a registry mirror.
   *
   * @default - the runtime Dockerfile's pinned default
   */
  readonly baseImage?: string;

  /**
   * The image holding the AWS Lambda Web Adapter extension, for a registry mirror.
   *
   * @default - the runtime Dockerfile's pinned default
   */
  readonly lambdaWebAdapterImage?: string;

  /**
   * A description of the function.
   *
   * @default - names the model
   */
  readonly description?: string;
}
