import { CfnOutput, Stack, StackProps, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
// In your own app: import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from 'llm-function-url';
import { acknowledgeComplianceFindings } from './compliance-acknowledgements';
import { RegulatedNetwork } from './regulated-network';
import { ExampleSettings } from './settings';
import { SteadyLoadNetwork } from './steady-load-network';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

export interface DeepSeekR1StackProps extends StackProps {
  readonly settings: ExampleSettings;
  /**
   * Props applied last, over what the settings choose: to try a setting (or take a compliance fix away
   * and watch the packs fire) without editing this file.
   */
  readonly overrides?: Partial<LlmFunctionUrlProps>;
}

/** The reserved concurrency of the compliance variant: a hard cap on instances, and so on cost. */
export const COMPLIANCE_RESERVED_CONCURRENCY = 2;

/**
 * DeepSeek-R1 (distilled, Q4_K_M GGUF) behind a Lambda Function URL that speaks the OpenAI API; with
 * `-c model=qwen3-embedding-0.6b`, the Qwen3-Embedding-0.6B embedding model behind the same construct.
 */
export class DeepSeekR1Stack extends Stack {
  public readonly llm: LlmFunctionUrl;

  constructor(scope: Construct, id: string, props: DeepSeekR1StackProps) {
    super(scope, id, props);
    const { settings } = props;

    const model = settings.model.kind === 'file'
      ? LlmModel.fromFile(settings.model.path)
      : LlmModel.fromUrl(settings.model.url, {
        sha256: settings.model.sha256,
        size: settings.model.size,
        kvCacheBytesPerToken: settings.model.kvCacheBytesPerToken,
        kind: settings.model.embedding?.kind,
        embeddingPooling: settings.model.embedding?.pooling,
        vocabularySize: settings.model.embedding?.vocabularySize,
      });

    // The regulated variant: the function in private isolated subnets, a customer-managed key for its logs
    // and environment, and a concurrency cap (NIST 800-53 R5 / HIPAA / PCI DSS: see README "Compliance").
    const network = settings.compliance ? new RegulatedNetwork(this, 'Network') : undefined;
    const regulated: Partial<LlmFunctionUrlProps> = network ? {
      vpc: network.vpc,
      logEncryptionKey: network.key,
      environmentEncryptionKey: network.key,
      reservedConcurrentExecutions: COMPLIANCE_RESERVED_CONCURRENCY,
    } : {};

    // Steady load: Lambda Managed Instances in a VPC of the app's own (see README "Steady load").
    const steadyLoad: Partial<LlmFunctionUrlProps> = settings.managedInstances
      ? { vpc: new SteadyLoadNetwork(this, 'SteadyLoadNetwork').vpc, managedInstances: {} }
      : {};

    this.llm = new LlmFunctionUrl(this, 'DeepSeekR1', {
      model,
      modelId: settings.model.kind === 'url' ? settings.model.modelId : undefined,
      architecture: settings.architecture,
      authType: settings.authType,
      snapStart: settings.snapStart,
      webUi: settings.webUi,
      provisionedConcurrentExecutions: settings.provisionedConcurrency,
      ...regulated,
      ...steadyLoad,
      ...props.overrides,
    });

    // The two Serverless-pack findings this stack keeps, each with the reason a reviewer can check (README).
    Validations.of(this.llm.function).acknowledge(
      {
        id: 'Serverless-LambdaDLQ',
        reason: 'A dead-letter queue only receives failed asynchronous invocations; a Function URL invokes synchronously and the caller receives every error, so a queue would stay empty.',
      },
      {
        id: 'Serverless-LambdaTracing',
        reason: 'X-Ray is opt-in (the construct\'s tracing prop): it needs xray:PutTraceSegments on Resource "*" (AwsSolutions-IAM5), and the runtime already emits per-request latency metrics (time to first token, tokens/s) in embedded metric format.',
      },
    );
    if (network) acknowledgeComplianceFindings(this.llm);

    new CfnOutput(this, 'FunctionUrl', {
      value: this.llm.url,
      description: 'POST {"prompt": "..."} here, or point an OpenAI client at <url>v1',
    });
    new CfnOutput(this, 'AuthType', { value: settings.authType });
    if (settings.authType === lambda.FunctionUrlAuthType.NONE && this.llm.apiKeySecret) {
      Validations.of(this.llm.apiKeySecret).acknowledge({
        id: 'AwsSolutions-SMG4',
        reason: 'The secret is the bearer key that API clients hold. Automatic rotation would lock every client out at each rotation; rotate it on your schedule with put-secret-value, then update the function so new instances read it.',
      });
      new CfnOutput(this, 'ApiKeySecretArn', {
        value: this.llm.apiKeySecret.secretArn,
        description: 'aws secretsmanager get-secret-value --secret-id <this> --query SecretString --output text',
      });
    }
    new CfnOutput(this, 'LogGroupName', { value: this.llm.logGroup.logGroupName });
  }
}
