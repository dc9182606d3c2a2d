import { Duration, Size } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { LlmImage } from './images/llm-image';
import { ManagedInstancesOptions } from './managed-instances/managed-instances-options';
import { LlmModel } from './models/llm-model';

/**
 * Properties of {@link LlmFunctionUrl}. Only `model` is required: memory, threads, timeout and /tmp are
 * derived from the model's size, `contextSize` and `maxTokens` (see "Default settings" in the README).
 */
export interface LlmFunctionUrlProps {
  /**
   * The GGUF model to serve: `LlmModel.fromFile`, `LlmModel.fromUrl` or `LlmModel.fromBucket`; with a
   * prebuilt `image`, `LlmModel.fromImage` or `LlmModel.fromBucket`.
   */
  readonly model: LlmModel;

  /**
   * A prebuilt image of the runtime (`LlmImage.fromEcr`) instead of building `runtime/Dockerfile` during
   * `cdk deploy`: for pipelines without Docker or QEMU. It must be built from this package's `runtime/`
   * for `architecture` (with `snapStart`, its `snapstart` stage: `docker build --target snapstart`, which
   * carries the label Lambda requires). `baseImage` and `lambdaWebAdapterImage` do not apply to it.
   *
   * @default - the bundled runtime is built at deploy time (needs Docker with BuildKit)
   */
  readonly image?: LlmImage;

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
   * so more memory costs more per second but generates faster. With `managedInstances`: 2048-32768, and the
   * vCPUs are whole, at `memoryPerVcpu` each.
   *
   * @default - model file + KV cache for `contextSize` (one per `maxConcurrency` with `managedInstances`) +
   * 512 MB runtime + 10% headroom, rounded up to 64 MB (to whole vCPUs with `managedInstances`), and at least
   * the memory that gives `threads` vCPUs (2 vCPUs, 3,584 MB, when `threads` is not set)
   */
  readonly memorySize?: number;

  /**
   * CPU threads llama.cpp uses. Setting it also raises the tuned memory to give that many vCPUs
   * (1-6; 6 means the maximum of 10,240 MB; with `managedInstances`, up to 32 GB's worth at `memoryPerVcpu`).
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
   * the endpoint public to anyone who finds the URL (a synth warning says so). Only with `NONE` auth:
   * with `AWS_IAM`, SigV4 signing occupies the `Authorization` header, so every signed request would be
   * refused; the construct rejects that combination.
   *
   * @default - true when `authType` is NONE, otherwise false
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
   * Serve the built-in chat page: a browser opening the URL gets a page to talk to the model (streamed
   * answers, reasoning apart, stop button). It exposes static files only (`GET /` for requests that accept
   * text/html, `/ui/*`), which need no key and hold no secret; every model call the page makes goes through
   * the API with the same auth as any client (with a bearer key, the page asks for it and keeps it in the
   * tab's sessionStorage). Needs `authType` NONE: browsers cannot SigV4-sign, so with AWS_IAM the URL refuses
   * the page (a synth warning says so). Costs nothing while unused; each page load is a small invocation.
   *
   * @default false
   */
  readonly webUi?: boolean;

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
   * Execution environments Lambda keeps initialized (the model loaded), so that up to this many concurrent
   * requests never wait for a cold start. Each deployment then publishes a version, and the Function URL, `url`,
   * `grantInvokeUrl` and the Lambda metrics move to the alias `live` on it (turning it on or off on a deployed
   * stack replaces the Function URL, as with `snapStart`). Scale it on a schedule or by utilization with
   * `llm.alias!.addAutoScaling(...)`. Billed for every second it is configured, busy or not (see "Cold start" in
   * the README). Not with `snapStart` (Lambda refuses both) nor `managedInstances`; at most
   * `reservedConcurrentExecutions`.
   *
   * @default - none: every instance starts on demand
   */
  readonly provisionedConcurrentExecutions?: number;

  /**
   * Run the function on Lambda Managed Instances: EC2 instances in your VPC, managed by Lambda, each execution
   * environment decoding `maxConcurrency` answers at once. Priced as the instances plus a management fee, with
   * at least `minExecutionEnvironments` running at all times: for steady load, not idle or bursty traffic (see
   * "Steady load" in the README). Needs `vpc` (or a capacity provider of your own). Each deployment publishes a
   * version, and the Function URL, `url`, `grantInvokeUrl` and the Lambda metrics move to the alias `live` on it.
   * Not with `snapStart` (a Firecracker feature) nor `provisionedConcurrentExecutions`.
   *
   * @default - Lambda's default compute: one request per execution environment, billed per millisecond
   */
  readonly managedInstances?: ManagedInstancesOptions;

  /**
   * How long the function's logs are kept. Logs are billed per GB ingested and stored. Not with `logGroup`
   * (set the retention on your log group).
   *
   * @default logs.RetentionDays.ONE_MONTH
   */
  readonly logRetention?: logs.RetentionDays;

  /**
   * A log group of your own for the function (naming rules, retention or encryption set centrally). The
   * role may write to it (`logs:CreateLogStream`, `logs:PutLogEvents` on its ARN).
   *
   * @default - a log group of the construct's own, retained on stack deletion, with `logRetention`
   */
  readonly logGroup?: logs.ILogGroup;

  /**
   * Encrypt the construct's log group with this customer-managed key. The construct adds the statement
   * CloudWatch Logs needs to the key's policy (for an imported key it cannot, and warns). Not with
   * `logGroup` (encrypt your own group yourself). A KMS key costs $1 a month plus requests.
   *
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;

  /**
   * Encrypt the function's environment variables at rest with this customer-managed key; the execution
   * role may `kms:Decrypt` with it. With `snapStart`, Lambda encrypts the snapshots with this key too: disabling
   * or deleting it, or taking away the role's access, makes every restore (every cold start) fail.
   *
   * @default - Lambda's AWS managed key
   */
  readonly environmentEncryptionKey?: kms.IKey;

  /**
   * Run the function in this VPC. It then reaches AWS services only through a NAT gateway or VPC
   * endpoints: an S3 gateway endpoint for `LlmModel.fromBucket`, a Secrets Manager interface endpoint for a
   * bearer key (`NONE` auth). Logs, metrics, the image pull and environment decryption go through the
   * Lambda service and need none. The role gets the network-interface actions Lambda needs. The construct is
   * then `ec2.IConnectable`: `db.connections.allowDefaultPortFrom(llm)`. With `managedInstances`, the VPC holds
   * the capacity provider's instances instead (their subnets need a route out: a NAT gateway).
   *
   * @default - not in a VPC
   */
  readonly vpc?: ec2.IVpc;

  /**
   * The subnets of `vpc` for the function. Public subnets are refused: Lambda gives a function no public
   * IP, so from a public subnet it would reach nothing.
   *
   * @default - the VPC's private subnets with egress, else its isolated ones
   */
  readonly vpcSubnets?: ec2.SubnetSelection;

  /**
   * Security groups for the function's network interfaces (only with `vpc`).
   *
   * @default - a group of its own that allows all outbound traffic and no inbound
   */
  readonly securityGroups?: ec2.ISecurityGroup[];

  /**
   * An execution role of your own (permission boundaries, naming rules). The construct always attaches its
   * own customer-managed policy (`runtimePolicy`) to it, holding exactly the statements it needs (logs, the
   * model object, the key secret, X-Ray with `tracing`) and nothing else; the policy resource names the role,
   * so this holds for a role imported with `mutable: false` too. Grants you make to the construct
   * (`bucket.grantRead(llm)`) go to the role's default policy, as in aws-cdk-lib; an immutable role takes none
   * of them, and the construct warns at synth, naming each grant that added nothing (attach those to the role
   * yourself). It must be assumable by `lambda.amazonaws.com`.
   *
   * @default - a role of the construct's own with no managed policies
   */
  readonly role?: iam.IRole;

  /**
   * The function's name (1-64 letters, digits, hyphens or underscores). A fixed name prevents CloudFormation
   * from replacing the function on changes that need a replacement.
   *
   * @default - a name generated by CloudFormation
   */
  readonly functionName?: string;

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
   * (turn 2 of a chat with a ~700-token history started answering 16 times later: 5.5 s instead of 0.34 s,
   * 1.5B model, 2 vCPUs).
   *
   * @default false
   */
  readonly isolateRequests?: boolean;

  /**
   * Let a generation model answer `POST /v1/embeddings` as well (llama-server's `--embeddings`): its last token's
   * hidden state, from embedding contexts on the same weights, which the tuner adds to the memory. An embedding
   * model (`LlmModelKind.EMBEDDING`) always answers it and needs nothing here.
   *
   * @default false
   */
  readonly embeddings?: boolean;

  /**
   * X-Ray tracing. ACTIVE records the Lambda service's segments (init, invocation) and adds
   * `xray:PutTraceSegments`/`PutTelemetryRecords` on `*` to the construct's managed policy (`runtimePolicy`),
   * which cdk-nag's AwsSolutions-IAM5 reports (X-Ray has no resource-level permissions).
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
   * Requests that may wait behind the running generation; more get HTTP 429 with `Retry-After`. 0-10000. On
   * Lambda it has no effect: Lambda sends an execution environment one request at a time (on Managed Instances,
   * at most `maxConcurrency`), so no request ever waits in the runtime's queue. It applies where the same image
   * serves HTTP directly (a container host, a laptop).
   *
   * @default 4
   */
  readonly queueSize?: number;

  /**
   * A wall-clock cap on one generation; a capped answer ends with `finish_reason: "length"`. Whole seconds,
   * 1 s to the function timeout (to 15 minutes when the timeout is a token); must be known at synth.
   *
   * @default - no cap beyond the function timeout
   */
  readonly maxGenerationTime?: Duration;

  /**
   * How long before the invocation's deadline the runtime stops generating, so that the answer so far can
   * still be sent. Whole milliseconds, less than the function timeout and at most 10 minutes (the runtime's
   * limit); must be known at synth.
   *
   * @default Duration.millis(1500)
   */
  readonly deadlineMargin?: Duration;

  /**
   * The largest request body the runtime accepts (larger gets HTTP 413). 1 KiB-6 MiB: a Function URL
   * carries at most 6 MB. Must be known at synth.
   *
   * @default Size.mebibytes(1)
   */
  readonly maxRequestBodySize?: Size;

  /**
   * More environment variables for the function, for your own code or tooling. Names the runtime or the
   * Web Adapter read (`LLM_*`, `AWS_LWA_*`, `PORT`, `HOST`) are refused: each has a prop. So are the names
   * Lambda reserves (`AWS_REGION`, `AWS_LAMBDA_FUNCTION_NAME`, `AWS_ACCESS_KEY_ID`, `LAMBDA_TASK_ROOT`, ...),
   * which would fail the deployment.
   *
   * @default - none
   */
  readonly environment?: { [name: string]: string };

  /**
   * The Node.js base image of the runtime (a Debian image with glibc 2.34+), for a registry mirror or to
   * pin a digest (`...@sha256:...`). Not with `image`.
   *
   * @default - the runtime Dockerfile's default, a tag (`node:22-bookworm-slim`) that moves with Node 22 patch releases
   */
  readonly baseImage?: string;

  /**
   * The image holding the AWS Lambda Web Adapter extension, for a registry mirror or a digest. Not with `image`.
   *
   * @default - the runtime Dockerfile's default, a release tag of the adapter
   */
  readonly lambdaWebAdapterImage?: string;

  /**
   * Lambda SnapStart: each deployment publishes a version, Lambda loads and warms the model once and
   * snapshots the environment, and cold starts resume from the snapshot instead of loading the model again.
   * The Function URL, `url`, `grantInvokeUrl` and the Lambda metrics then point at the alias `live` on the
   * latest version. Turning it on or off on a deployed stack replaces the Function URL (a new
   * `AWS::Lambda::Url` on the alias instead of the function, or back): `url` changes, and clients holding the
   * old one break. Billed: caching the snapshot (per GB-second of memory while the version exists) and each
   * restore (per GB) - see "Cold start" in the README. Needs the model in the image (not
   * `LlmModel.fromBucket`) and /tmp at 512 MB; deployments take a few minutes longer while the snapshot is made.
   * With a prebuilt `image`, build it from the runtime Dockerfile's `snapstart` target (`--target snapstart`,
   * which adds the label Lambda requires), or publishing the version fails. Not with
   * `provisionedConcurrentExecutions` (Lambda refuses both) nor `managedInstances` (not Firecracker microVMs).
   *
   * @default false
   */
  readonly snapStart?: boolean;

  /**
   * A description of the function.
   *
   * @default - names the model
   */
  readonly description?: string;
}
