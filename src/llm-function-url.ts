import * as path from 'path';
import { Annotations, Duration, Names, Size, Stage, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ecrAssets from 'aws-cdk-lib/aws-ecr-assets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { resolveApiKeySecret } from './api-key';
import { createExecutionRole } from './execution-role';
import { LlmFunctionUrlProps } from './llm-function-url-props';
import { LlmModelConfig } from './models/llm-model';
import { validateMetricsNamespace, validateModelId, validateReservedConcurrency } from './prop-validation';
import {
  BuildArg,
  DEFAULT_METRICS_NAMESPACE,
  METRIC_DIMENSION_FUNCTION_NAME,
  RuntimeEnv,
  RuntimeMetric,
} from './runtime-contract';
import { estimateKvCacheBytesPerToken } from './sizing/kv-cache';
import { tune, Tuning } from './sizing/tune';
import { stageBuildContext } from './staging/build-context';

/** Where the packaged runtime (Dockerfile, dist/, package.json, lockfile) sits relative to lib/. */
const RUNTIME_DIR = path.join(__dirname, '..', 'runtime');

const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_MAX_TOKENS = 2048;

/**
 * An open-weights GGUF model served by node-llama-cpp from an AWS Lambda Function URL, speaking the
 * OpenAI API (`/v1/chat/completions`, `/v1/completions`, `/v1/models`) and `POST /` with `{"prompt"}`.
 *
 * Secure by default: IAM auth, a role of its own with a least-privilege inline policy, an explicit log
 * group with retention, no prompt text in logs. Memory, threads, timeout and /tmp are tuned to the model.
 */
export class LlmFunctionUrl extends Construct {
  /** The Lambda function running the model server. */
  public readonly function: lambda.DockerImageFunction;

  /** The Function URL. */
  public readonly functionUrl: lambda.FunctionUrl;

  /** The HTTPS endpoint, ending in `/`. */
  public readonly url: string;

  /** The function's log group (requests, errors and the per-request metrics in embedded metric format). */
  public readonly logGroup: logs.LogGroup;

  /** The function's execution role. */
  public readonly role: iam.Role;

  /**
   * The secret holding the bearer key, when one is required.
   *
   * @default - no bearer key
   */
  public readonly apiKeySecret?: secretsmanager.ISecret;

  /** The memory the function got, in MB. */
  public readonly memorySize: number;

  /** The CPU threads llama.cpp uses. */
  public readonly threads: number;

  /** The function timeout. */
  public readonly timeout: Duration;

  /** The size of /tmp. */
  public readonly ephemeralStorageSize: Size;

  /** The context window in tokens. */
  public readonly contextSize: number;

  /** The most tokens one answer may have. */
  public readonly maxTokens: number;

  /** The model id the API reports. */
  public readonly modelId: string;

  /** The CloudWatch namespace of the runtime's metrics. */
  public readonly metricsNamespace: string;

  constructor(scope: Construct, id: string, props: LlmFunctionUrlProps) {
    super(scope, id);

    const authType = props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM;
    const invokeMode = props.invokeMode ?? lambda.InvokeMode.RESPONSE_STREAM;
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    this.contextSize = props.contextSize ?? DEFAULT_CONTEXT_SIZE;
    this.maxTokens = props.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    const model = props.model.bind(this);
    this.modelId = props.modelId ?? model.defaultModelId;
    this.validate(() => {
      validateModelId(this.modelId);
      validateMetricsNamespace(this.metricsNamespace);
      validateReservedConcurrency(props.reservedConcurrentExecutions);
    });
    const tuning = this.tune(model, props);
    this.memorySize = props.memorySize ?? tuning.memoryMb;
    this.threads = tuning.threads;
    this.timeout = props.timeout ?? Duration.seconds(tuning.timeoutSeconds);
    this.ephemeralStorageSize = props.ephemeralStorageSize ?? Size.mebibytes(tuning.ephemeralStorageMb);

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.ONE_MONTH,
    });
    this.apiKeySecret = this.validate(() => resolveApiKeySecret(this, authType, props.requireApiKey, props.apiKeySecret));
    this.role = createExecutionRole(this, {
      logGroup: this.logGroup,
      apiKeySecret: this.apiKeySecret,
      modelStatements: model.policyStatements,
    });

    this.function = new lambda.DockerImageFunction(this, 'Function', {
      code: this.imageCode(model, architecture, props),
      architecture,
      memorySize: this.memorySize,
      timeout: this.timeout,
      ephemeralStorageSize: this.ephemeralStorageSize,
      role: this.role,
      logGroup: this.logGroup,
      environment: this.environment(model, invokeMode, props),
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      tracing: props.tracing,
      description: props.description ?? `OpenAI-compatible LLM server for ${this.modelId} (llm-function-url)`,
    });
    this.functionUrl = this.function.addFunctionUrl({ authType, invokeMode, cors: props.cors });
    this.url = this.functionUrl.url;

    this.warnAboutPublicAccess(authType, props);
  }

  /**
   * Allows `grantee` to call the Function URL with AWS_IAM auth (`lambda:InvokeFunctionUrl`, and
   * `lambda:InvokeFunction` when invoked through the URL).
   *
   * @param grantee the principal to allow
   */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.function.grantInvokeUrl(grantee);
  }

  /**
   * Milliseconds from the request to the first generated token (includes prompt processing).
   *
   * @default - average over 5 minutes
   */
  public metricTimeToFirstToken(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.TIME_TO_FIRST_TOKEN, 'Average', props);
  }

  /**
   * Decode speed per request: generated tokens per second after the first token (the prompt's evaluation
   * is in `metricTimeToFirstToken`).
   *
   * @default - average over 5 minutes
   */
  public metricTokensPerSecond(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.TOKENS_PER_SECOND, 'Average', props);
  }

  /**
   * Tokens generated (answers, reasoning included).
   *
   * @default - sum over 5 minutes
   */
  public metricCompletionTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.COMPLETION_TOKENS, 'Sum', props);
  }

  /**
   * Prompt tokens processed.
   *
   * @default - sum over 5 minutes
   */
  public metricPromptTokens(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.PROMPT_TOKENS, 'Sum', props);
  }

  /**
   * Milliseconds spent generating, per request.
   *
   * @default - average over 5 minutes
   */
  public metricGenerationDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.GENERATION_DURATION, 'Average', props);
  }

  /**
   * Lambda's count of failed invocations.
   *
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricErrors(props);
  }

  /**
   * Lambda's count of throttled invocations (reserved concurrency or the account limit reached).
   *
   * @default - sum over 5 minutes
   */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricThrottles(props);
  }

  /**
   * Lambda's invocation duration in milliseconds.
   *
   * @default - average over 5 minutes
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricDuration(props);
  }

  /**
   * Lambda's count of invocations.
   *
   * @default - sum over 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.function.metricInvocations(props);
  }

  private tune(model: LlmModelConfig, props: LlmFunctionUrlProps): Tuning {
    const concrete = (value: number | undefined) => (value === undefined || Token.isUnresolved(value) ? undefined : value);
    for (const [name, value] of Object.entries({ contextSize: this.contextSize, maxTokens: this.maxTokens, threads: props.threads })) {
      if (value !== undefined && Token.isUnresolved(value)) {
        throw new Error(`${this.node.path}: ${name} must be a number known at synth (the tuner sizes the function from it), not a token`);
      }
    }
    const tuning = this.validate(() => tune({
      modelBytes: model.sizeBytes,
      kvCacheBytesPerToken: model.kvCacheBytesPerToken ?? estimateKvCacheBytesPerToken(model.sizeBytes),
      downloadsAtStart: model.downloadsAtStart,
      contextSize: this.contextSize,
      maxTokens: this.maxTokens,
      threads: props.threads,
      memorySizeMb: concrete(props.memorySize),
      timeoutSeconds: props.timeout && !props.timeout.isUnresolved() ? props.timeout.toSeconds() : undefined,
      ephemeralStorageMb: props.ephemeralStorageSize && !props.ephemeralStorageSize.isUnresolved()
        ? props.ephemeralStorageSize.toMebibytes() : undefined,
    }));
    for (const warning of tuning.warnings) {
      Annotations.of(this).addWarningV2('llm-function-url:sizing', warning);
    }
    if (model.trainedContextLength !== undefined && this.contextSize > model.trainedContextLength) {
      Annotations.of(this).addWarningV2('llm-function-url:contextSize',
        `contextSize ${this.contextSize} exceeds the ${model.trainedContextLength} tokens the model was trained for: answers may degrade`);
    }
    return tuning;
  }

  private imageCode(model: LlmModelConfig, architecture: lambda.Architecture, props: LlmFunctionUrlProps): lambda.DockerImageCode {
    const outdir = Stage.of(this)?.outdir;
    if (!outdir) {
      throw new Error(`${this.node.path}: LlmFunctionUrl must be inside an App or Stage (it stages the image's build context in the cloud assembly)`);
    }
    // One folder per construct in the cloud assembly: beside the model on the same disk (so the model can be
    // hard-linked, not copied) and at a stable path (so CDK's fingerprint cache skips re-hashing it).
    const contextDir = stageBuildContext({
      runtimeDir: RUNTIME_DIR,
      contextDir: path.join(outdir, 'llm-function-url', Names.uniqueId(this)),
      modelFile: model.localFile,
    });
    const buildArgs: { [name: string]: string } = { ...model.buildArgs };
    if (props.baseImage) buildArgs[BuildArg.BASE_IMAGE] = props.baseImage;
    if (props.lambdaWebAdapterImage) buildArgs[BuildArg.LWA_IMAGE] = props.lambdaWebAdapterImage;
    return lambda.DockerImageCode.fromImageAsset(contextDir, {
      platform: architecture === lambda.Architecture.X86_64 ? ecrAssets.Platform.LINUX_AMD64 : ecrAssets.Platform.LINUX_ARM64,
      buildArgs,
    });
  }

  private environment(model: LlmModelConfig, invokeMode: lambda.InvokeMode, props: LlmFunctionUrlProps): { [name: string]: string } {
    const env: { [name: string]: string } = {
      ...model.environment,
      [RuntimeEnv.MODEL_ID]: this.modelId,
      [RuntimeEnv.CONTEXT_SIZE]: String(this.contextSize),
      [RuntimeEnv.THREADS]: String(this.threads),
      [RuntimeEnv.MAX_TOKENS]: String(this.maxTokens),
      [RuntimeEnv.LOG_PROMPTS]: String(props.logPrompts ?? false),
      [RuntimeEnv.ISOLATE_REQUESTS]: String(props.isolateRequests ?? false),
      [RuntimeEnv.METRICS_NAMESPACE]: this.metricsNamespace,
      [RuntimeEnv.LWA_INVOKE_MODE]: invokeMode === lambda.InvokeMode.BUFFERED ? 'buffered' : 'response_stream',
    };
    if (this.apiKeySecret) {
      env[RuntimeEnv.API_KEY_SECRET_ARN] = this.apiKeySecret.secretArn;
    }
    for (const [name, value] of Object.entries(props.environment ?? {})) {
      if (name in env) {
        throw new Error(`${this.node.path}: environment: ${name} is set by the construct from its props; use the prop instead of the variable`);
      }
      env[name] = value;
    }
    return env;
  }

  private warnAboutPublicAccess(authType: lambda.FunctionUrlAuthType, props: LlmFunctionUrlProps): void {
    if (authType !== lambda.FunctionUrlAuthType.NONE) {
      return;
    }
    if (!this.apiKeySecret && (props.cors?.allowedOrigins ?? []).includes('*')) {
      Annotations.of(this).addWarningV2('llm-function-url:publicCors',
        'authType NONE with cors.allowedOrigins "*" and no API key: any web page can make its visitors\' browsers spend your Lambda budget on this URL');
    }
    if (props.reservedConcurrentExecutions === undefined) {
      Annotations.of(this).addWarningV2('llm-function-url:noConcurrencyCap',
        'authType NONE without reservedConcurrentExecutions: anyone who finds the URL can start cold starts (model loads) up to your account\'s concurrency limit; set reservedConcurrentExecutions to cap the cost');
    }
  }

  /** Runs `check`, prefixing any error with this construct's path so that users find the offending construct. */
  private validate<T>(check: () => T): T {
    try {
      return check();
    } catch (e) {
      throw new Error(`${this.node.path}: ${(e as Error).message}`);
    }
  }

  private runtimeMetric(metricName: string, statistic: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: this.metricsNamespace,
      metricName,
      dimensionsMap: { [METRIC_DIMENSION_FUNCTION_NAME]: this.function.functionName },
      statistic,
      ...props,
    });
  }
}
