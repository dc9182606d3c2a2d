import { Annotations, Duration, Size, Stack, Token } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { resolveApiKeySecret } from './api-key';
import { environmentKeyStatement } from './encryption';
import { checkEnvironmentSize } from './environment-size';
import { executionRole } from './execution-role';
import { ReportingGrantPrincipal } from './grant-principal';
import { imageCode } from './images/image-code';
import { LlmFunctionUrlProps } from './llm-function-url-props';
import { functionLogGroup } from './log-group';
import { capacityProviderFor, managedInstancesSettings, ManagedInstancesSettings, runOnManagedInstances } from './managed-instances/managed-instances';
import { LlmModelConfig } from './models/model-config';
import { givenNetworkProps, networkPlacement, vpcAccessStatement } from './network';
import { validateFunctionName, validateMetricsNamespace, validateModelId, validateReservedConcurrency } from './prop-validation';
import { validateProvisionedConcurrency } from './provisioned-concurrency';
import {
  DEFAULT_METRICS_NAMESPACE,
  METRIC_DIMENSION_FUNCTION_NAME,
  RuntimeEnv,
  RuntimeMetric,
} from './runtime-contract';
import { mergeUserEnvironment, tunableEnvironment } from './runtime-environment';
import { LAMBDA_COMPUTE } from './sizing/compute-shape';
import { embeddingSizing } from './sizing/embedding-sizing';
import { estimateKvCacheBytesPerToken } from './sizing/kv-cache';
import { MIB } from './sizing/lambda-limits';
import { tune, Tuning } from './sizing/tune';
import { enableSnapStart, snapStartEnvironment, validateSnapStart } from './snap-start';
import { applyTracing } from './tracing';
import { currentVersionOptions, publishesVersions, publishLiveAlias } from './versions';

const DEFAULT_CONTEXT_SIZE = 4096;
const DEFAULT_MAX_TOKENS = 2048;

/**
 * An open-weights GGUF model served by node-llama-cpp from an AWS Lambda Function URL, speaking the
 * OpenAI API (`/v1/chat/completions`, `/v1/completions`, `/v1/models`) and `POST /` with `{"prompt"}`.
 *
 * Secure by default: IAM auth, a role of its own with a least-privilege managed policy, an explicit log
 * group with retention, no prompt text in logs. Memory, threads, timeout and /tmp are tuned to the model.
 * It is `iam.IGrantable` through its role: `bucket.grantRead(llm)` gives the function access; in a VPC it is
 * `ec2.IConnectable`: `db.connections.allowDefaultPortFrom(llm)`.
 */
export class LlmFunctionUrl extends Construct implements iam.IGrantable, ec2.IConnectable {
  /** The Lambda function running the model server. */
  public readonly function: lambda.IFunction;

  /**
   * The alias `live` on the latest published version, the Function URL's target, when the construct publishes
   * versions: with `snapStart`, `provisionedConcurrentExecutions` or `managedInstances`. With provisioned
   * concurrency, scale it with `alias.addAutoScaling({ minCapacity, maxCapacity })` and its `scaleOnSchedule` or
   * `scaleOnUtilization`.
   *
   * @default - no alias: the Function URL invokes the function's $LATEST
   */
  public readonly alias?: lambda.Alias;

  /**
   * With `managedInstances`, the capacity provider the function runs on (the given one, or the construct's own).
   *
   * @default - Lambda's default compute, no capacity provider
   */
  public readonly capacityProvider?: lambda.ICapacityProvider;

  /** The Function URL. */
  public readonly functionUrl: lambda.IFunctionUrl;

  /** The HTTPS endpoint, ending in `/`. */
  public readonly url: string;

  /** The function's log group (requests, errors and the per-request metrics in embedded metric format). */
  public readonly logGroup: logs.ILogGroup;

  /** The function's execution role (the one given as `role`, or the construct's own). */
  public readonly role: iam.IRole;

  /**
   * The customer-managed policy, owned by the construct, that holds what the runtime may do (attached to
   * `role`). Its statements are exactly what the props need; acknowledge policy findings here.
   */
  public readonly runtimePolicy: iam.IManagedPolicy;

  /**
   * The principal to grant access to: the execution role (a given role is wrapped, so that a grant an
   * immutable role cannot take is reported at synth instead of vanishing).
   */
  public readonly grantPrincipal: iam.IPrincipal;

  /**
   * The secret holding the bearer key, when one is required.
   *
   * @default - no bearer key
   */
  public readonly apiKeySecret?: secretsmanager.ISecret;

  /** The memory the function got, in MB (a token when `memorySize` was given as one). */
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

  /** The security groups of the function (in a VPC) or of its Managed Instances; undefined when there are none to manage. */
  private readonly networkConnections?: ec2.Connections;

  constructor(scope: Construct, id: string, props: LlmFunctionUrlProps) {
    super(scope, id);

    const authType = props.authType ?? lambda.FunctionUrlAuthType.AWS_IAM;
    const invokeMode = props.invokeMode ?? lambda.InvokeMode.RESPONSE_STREAM;
    const architecture = props.architecture ?? lambda.Architecture.ARM_64;
    this.contextSize = props.contextSize ?? DEFAULT_CONTEXT_SIZE;
    this.maxTokens = props.maxTokens ?? DEFAULT_MAX_TOKENS;
    this.metricsNamespace = props.metricsNamespace ?? DEFAULT_METRICS_NAMESPACE;

    // Validate
    const snapStart = props.snapStart ?? false;
    const model = props.model._bind(this);
    this.modelId = props.modelId ?? model.defaultModelId;
    this.validate(() => {
      validateModelId(this.modelId);
      validateMetricsNamespace(this.metricsNamespace);
      validateReservedConcurrency(props.reservedConcurrentExecutions);
      validateProvisionedConcurrency(props.provisionedConcurrentExecutions, {
        snapStart,
        managedInstances: props.managedInstances !== undefined,
        reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      });
      validateFunctionName(props.functionName);
    });
    const network = this.validate(() => networkPlacement(props));
    const managedInstances = props.managedInstances && this.validate(() => managedInstancesSettings(props.managedInstances!, {
      snapStart,
      network,
      networkProps: givenNetworkProps(props),
    }));
    // On Managed Instances the VPC holds the capacity provider's instances, not the function's network interfaces.
    const functionNetwork = managedInstances ? undefined : network;

    // Tune
    const tuning = this.tune(model, props, managedInstances);
    this.memorySize = props.memorySize ?? tuning.memoryMb;
    this.threads = tuning.threads;
    this.timeout = props.timeout ?? Duration.seconds(tuning.timeoutSeconds);
    this.ephemeralStorageSize = props.ephemeralStorageSize ?? Size.mebibytes(tuning.ephemeralStorageMb);
    // SnapStart: what Lambda would refuse when publishing the version, refused here
    if (snapStart) {
      this.validate(() => validateSnapStart({
        downloadsAtStart: model.downloadsAtStart,
        modelMb: model.sizeBytes / MIB,
        ephemeralStorageMb: this.ephemeralStorageSize.isUnresolved() ? undefined : this.ephemeralStorageSize.toMebibytes(),
        region: Stack.of(this).region,
      }));
    }

    // Key, logs and role
    this.apiKeySecret = this.validate(() => resolveApiKeySecret(this, authType, props.requireApiKey, props.apiKeySecret));
    this.logGroup = this.validate(() => functionLogGroup(this, props));
    const execution = executionRole(this, props.role, {
      logGroup: this.logGroup,
      apiKeySecret: this.apiKeySecret,
      modelStatements: model.policyStatements,
      tracing: props.tracing,
      otherStatements: [
        ...(functionNetwork ? [vpcAccessStatement()] : []),
        ...(props.environmentEncryptionKey ? [environmentKeyStatement(props.environmentEncryptionKey)] : []),
      ],
    });
    this.role = execution.role;
    this.runtimePolicy = execution.policy;
    this.grantPrincipal = props.role ? new ReportingGrantPrincipal(props.role, (statement) => this.warnAboutDroppedGrant(statement)) : this.role;

    // Image and function
    const environment = this.validate(() => this.environment(model, invokeMode, props, managedInstances));
    const code = this.validate(() => imageCode(this, model, { ...props, architecture, snapStart }));
    const publishes = publishesVersions({
      snapStart,
      provisionedConcurrentExecutions: props.provisionedConcurrentExecutions,
      managedInstances: managedInstances !== undefined,
    });
    const fn = new lambda.DockerImageFunction(this, 'Function', {
      code,
      architecture,
      functionName: props.functionName,
      memorySize: this.memorySize,
      timeout: this.timeout,
      ephemeralStorageSize: this.ephemeralStorageSize,
      role: this.role,
      logGroup: this.logGroup,
      environment,
      environmentEncryption: props.environmentEncryptionKey,
      ...functionNetwork,
      reservedConcurrentExecutions: props.reservedConcurrentExecutions,
      description: props.description ?? `OpenAI-compatible LLM server for ${this.modelId} (llm-function-url)`,
      currentVersionOptions: currentVersionOptions(publishes),
    });
    applyTracing(fn, props.tracing);
    this.function = fn;
    // The first cold start must find its permissions (and the VPC access) attached.
    fn.node.addDependency(execution.policy);
    if (snapStart) enableSnapStart(fn);
    this.alias = publishes ? publishLiveAlias(this, fn, props.provisionedConcurrentExecutions) : undefined;
    const placement = managedInstances && capacityProviderFor(this, props.managedInstances!, network, architecture);
    if (placement) runOnManagedInstances(fn, fn.currentVersion, placement.capacityProvider, managedInstances!);
    this.capacityProvider = placement?.capacityProvider;
    this.networkConnections = placement ? placement.connections : (functionNetwork && fn.connections);

    // URL
    this.functionUrl = this.invokeTarget.addFunctionUrl({ authType, invokeMode, cors: props.cors });
    this.url = this.functionUrl.url;

    this.warnAboutPublicAccess(authType, props);
    this.warnAboutWebUi(authType, props);
  }

  /**
   * The security groups to allow traffic with: the function's in a VPC, or those of its Managed Instances.
   * Throws without a VPC, as aws-cdk-lib's Function does: there is no security group to manage.
   */
  public get connections(): ec2.Connections {
    if (!this.networkConnections) {
      const why = this.capacityProvider
        ? 'the function runs on a given capacity provider, whose security groups are managed where it was created'
        : 'the function is not in a VPC, so it has no security groups; set vpc';
      throw new Error(`${this.node.path}: connections: ${why}`);
    }
    return this.networkConnections;
  }

  /**
   * Allows `grantee` to call the Function URL with AWS_IAM auth (`lambda:InvokeFunctionUrl`, and
   * `lambda:InvokeFunction` when invoked through the URL).
   *
   * @param grantee the principal to allow
   */
  public grantInvokeUrl(grantee: iam.IGrantable): iam.Grant {
    return this.invokeTarget.grantInvokeUrl(grantee);
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
   * Context sequences generating at once, as each request found them when it started (itself included): at
   * most the runtime's LLM_PARALLEL, 1 on per-request Lambda.
   *
   * @default - maximum over 5 minutes
   */
  public metricSequencesInUse(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.runtimeMetric(RuntimeMetric.SEQUENCES_IN_USE, 'Maximum', props);
  }

  /**
   * Lambda's count of failed invocations.
   *
   * @default - sum over 5 minutes
   */
  public metricErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.invokeTarget.metricErrors(props);
  }

  /**
   * Lambda's count of throttled invocations (reserved concurrency or the account limit reached).
   *
   * @default - sum over 5 minutes
   */
  public metricThrottles(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.invokeTarget.metricThrottles(props);
  }

  /**
   * Lambda's invocation duration in milliseconds.
   *
   * @default - average over 5 minutes
   */
  public metricDuration(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.invokeTarget.metricDuration(props);
  }

  /**
   * Lambda's count of invocations.
   *
   * @default - sum over 5 minutes
   */
  public metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.invokeTarget.metricInvocations(props);
  }

  private tune(model: LlmModelConfig, props: LlmFunctionUrlProps, managedInstances: ManagedInstancesSettings | undefined): Tuning {
    const compute = managedInstances?.compute ?? LAMBDA_COMPUTE;
    const concrete = (value: number | undefined) => (value === undefined || Token.isUnresolved(value) ? undefined : value);
    for (const [name, value] of Object.entries({ contextSize: this.contextSize, maxTokens: this.maxTokens, threads: props.threads })) {
      if (value !== undefined && Token.isUnresolved(value)) {
        throw new Error(`${this.node.path}: ${name} must be a number known at synth (the tuner sizes the function from it), not a token`);
      }
    }
    const memoryIsToken = props.memorySize !== undefined && Token.isUnresolved(props.memorySize);
    if (memoryIsToken && props.threads === undefined) {
      // Threads follow the memory's vCPU share; from a token the tuner would silently keep its own figure.
      throw new Error(`${this.node.path}: memorySize is a token (for example a CfnParameter), so the threads it buys cannot be known at synth; set threads as well (1 per ${compute.mbPerVcpu.toLocaleString('en-US')} MB)`);
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
      snapStart: props.snapStart ?? false,
      ephemeralStorageMb: props.ephemeralStorageSize && !props.ephemeralStorageSize.isUnresolved()
        ? props.ephemeralStorageSize.toMebibytes() : undefined,
      compute,
      parallel: managedInstances?.maxConcurrency,
      embedding: embeddingSizing(model, props.embeddings ?? false),
      maxRequestBodyBytes: props.maxRequestBodySize && !props.maxRequestBodySize.isUnresolved() ? props.maxRequestBodySize.toBytes() : undefined,
    }));
    if (memoryIsToken) {
      Annotations.of(this).addWarningV2('llm-function-url:memoryToken',
        `memorySize is a token: the construct cannot check that it holds the model; give it at least ${tuning.hardMinimumMemoryMb} MB (${tuning.recommendedMemoryMb} MB recommended) and ${Math.ceil(props.threads! * compute.mbPerVcpu)} MB for ${props.threads} threads`);
    }
    for (const warning of tuning.warnings) {
      Annotations.of(this).addWarningV2('llm-function-url:sizing', warning);
    }
    if (model.trainedContextLength !== undefined && this.contextSize > model.trainedContextLength) {
      Annotations.of(this).addWarningV2('llm-function-url:contextSize',
        `contextSize ${this.contextSize} exceeds the ${model.trainedContextLength} tokens the model was trained for: answers may degrade`);
    }
    return tuning;
  }

  /** What callers reach: the alias `live` when the construct publishes versions, else the function ($LATEST). */
  private get invokeTarget(): lambda.IFunction {
    return this.alias ?? this.function;
  }

  private environment(model: LlmModelConfig, invokeMode: lambda.InvokeMode, props: LlmFunctionUrlProps,
    managedInstances: ManagedInstancesSettings | undefined): { [name: string]: string } {
    const env: { [name: string]: string } = {
      ...model.environment,
      ...(props.snapStart ? snapStartEnvironment() : {}),
      [RuntimeEnv.MODEL_ID]: this.modelId,
      [RuntimeEnv.CONTEXT_SIZE]: String(this.contextSize),
      [RuntimeEnv.THREADS]: String(this.threads),
      // Lambda sends each execution environment at most maxConcurrency requests: decode that many at once.
      ...(managedInstances ? { [RuntimeEnv.PARALLEL]: String(managedInstances.maxConcurrency) } : {}),
      [RuntimeEnv.MAX_TOKENS]: String(this.maxTokens),
      [RuntimeEnv.LOG_PROMPTS]: String(props.logPrompts ?? false),
      [RuntimeEnv.ISOLATE_REQUESTS]: String(props.isolateRequests ?? false),
      [RuntimeEnv.EMBEDDINGS]: String(props.embeddings ?? false),
      [RuntimeEnv.WEB_UI]: String(props.webUi ?? false),
      // On Lambda the adapter writes these headers itself (a client cannot forge or drop them).
      [RuntimeEnv.TRUST_LAMBDA_CONTEXT]: 'true',
      [RuntimeEnv.METRICS_NAMESPACE]: this.metricsNamespace,
      [RuntimeEnv.LWA_INVOKE_MODE]: invokeMode === lambda.InvokeMode.BUFFERED ? 'buffered' : 'response_stream',
      ...tunableEnvironment({ ...props, timeoutSeconds: this.timeout.isUnresolved() ? undefined : this.timeout.toSeconds() }),
    };
    if (this.apiKeySecret) {
      env[RuntimeEnv.API_KEY_SECRET_ARN] = this.apiKeySecret.secretArn;
    }
    const merged = mergeUserEnvironment(env, props.environment);
    const warning = checkEnvironmentSize(merged, Object.keys(env).length);
    if (warning) {
      Annotations.of(this).addWarningV2('llm-function-url:environmentSize', warning);
    }
    return merged;
  }

  /** An immutable role answered "added" to a grant and added nothing: say so, naming the statement. */
  private warnAboutDroppedGrant(statement: iam.PolicyStatement): void {
    const stack = Stack.of(this);
    const resources = statement.resources.map((r) => (Token.isUnresolved(r) ? JSON.stringify(stack.resolve(r)) : r));
    Annotations.of(this).addWarningV2('llm-function-url:grantNotAdded',
      `role: is immutable (imported with mutable: false, or withoutPolicyUpdates()), so this grant added nothing: ${statement.actions.join(', ')} on ${resources.join(', ')}; attach it to the role yourself (a policy of your own), or give a mutable role`);
  }

  private warnAboutPublicAccess(authType: lambda.FunctionUrlAuthType, props: LlmFunctionUrlProps): void {
    if (authType !== lambda.FunctionUrlAuthType.NONE) {
      return;
    }
    if (!this.apiKeySecret) {
      Annotations.of(this).addWarningV2('llm-function-url:openUrl',
        'authType NONE with requireApiKey false: the URL answers anyone who finds it, and every answer runs the model at your expense; require a key or use AWS_IAM unless that is intended');
      if ((props.cors?.allowedOrigins ?? []).includes('*')) {
        Annotations.of(this).addWarningV2('llm-function-url:publicCors',
          'authType NONE with cors.allowedOrigins "*" and no API key: any web page can make its visitors\' browsers spend your Lambda budget on this URL');
      }
    }
    if (props.managedInstances) {
      if (props.managedInstances.maxExecutionEnvironments === undefined) {
        Annotations.of(this).addWarningV2('llm-function-url:noConcurrencyCap',
          'authType NONE on Managed Instances without managedInstances.maxExecutionEnvironments: anyone who finds the URL can make Lambda launch instances up to the capacity provider\'s vCPU limit; set maxExecutionEnvironments to cap the cost');
      }
    } else if (props.reservedConcurrentExecutions === undefined) {
      Annotations.of(this).addWarningV2('llm-function-url:noConcurrencyCap',
        'authType NONE without reservedConcurrentExecutions: anyone who finds the URL can start cold starts (model loads) up to your account\'s concurrency limit; set reservedConcurrentExecutions to cap the cost');
    }
  }

  private warnAboutWebUi(authType: lambda.FunctionUrlAuthType, props: LlmFunctionUrlProps): void {
    if (props.webUi === true && authType === lambda.FunctionUrlAuthType.AWS_IAM) {
      Annotations.of(this).addWarningV2('llm-function-url:webUiNeedsNoneAuth',
        'webUi is true with authType AWS_IAM: browsers cannot SigV4-sign requests, so the Function URL refuses the page (403) unless a signing proxy sits in front; use authType NONE (with the bearer key) for the page');
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
