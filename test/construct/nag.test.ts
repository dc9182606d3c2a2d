import * as fs from 'fs';
import * as path from 'path';
import { App, Size, Stack, Validations } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks, ServerlessChecks } from 'cdk-nag';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack, writeSmallModel } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

afterAll(cleanTempDirs);

/** Synthesizes the stack's app and runs `pack` over the whole tree (no acknowledgements can apply). */
function findings(stack: Stack, pack: (app: App) => NagPack): string[] {
  const app = stack.node.root as App;
  app.synth();
  return pack(app).validateScope(app).violations
    .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath ?? r.resourceLogicalId}`))
    .sort();
}
const awsSolutions = (app: App) => new AwsSolutionsChecks(app);
const serverless = (app: App) => new ServerlessChecks(app);

const urlModel = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1.1) });
function stackWith(props: Partial<LlmFunctionUrlProps> = {}): Stack {
  const stack = newStack();
  new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), ...props });
  return stack;
}

describe('cdk-nag AwsSolutions', () => {
  test('finds nothing on the default construct, without any acknowledgement', () => {
    expect(findings(stackWith(), awsSolutions)).toEqual([]);
  });

  test('finds nothing for each model source and with a concurrency cap and CORS', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models', { enforceSSL: true, serverAccessLogsPrefix: 'logs/' });
    new LlmFunctionUrl(stack, 'FromBucket', { model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1) }), reservedConcurrentExecutions: 2 });
    new LlmFunctionUrl(stack, 'FromFile', { model: LlmModel.fromFile(writeSmallModel()), cors: { allowedOrigins: ['https://app.example.com'] } });
    expect(findings(stack, awsSolutions)).toEqual([]);
  });

  test('does fire on a deliberately bad stack (so the checks above can fail)', () => {
    const stack = newStack();
    new lambda.Function(stack, 'PlainFunction', { runtime: lambda.Runtime.NODEJS_20_X, handler: 'index.handler', code: lambda.Code.fromInline('exports.handler = async () => 1;') });
    expect(findings(stack, awsSolutions)).toEqual([
      'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole] Test/PlainFunction/ServiceRole/Resource',
      'AwsSolutions-L1 Test/PlainFunction/Resource',
    ]);
  });

  test('documented findings of the opt-in settings: X-Ray needs Resource "*", a generated key has no rotation', () => {
    expect(findings(stackWith({ tracing: lambda.Tracing.ACTIVE }), awsSolutions)).toEqual(['AwsSolutions-IAM5[Resource::*] Test/Llm/RuntimePolicy/Resource']);
    expect(findings(stackWith({ authType: lambda.FunctionUrlAuthType.NONE, reservedConcurrentExecutions: 2 }), awsSolutions))
      .toEqual(['AwsSolutions-SMG4 Test/Llm/ApiKey/Resource']);
  });

  // The documented integration: cdk-nag 3 runs as a CDK validation plugin. It needs aws-cdk-lib >= 2.258.0,
  // which gives plugins the construct tree; with 2.257.0 the plugin reports an error and checks nothing.
  test('runs through Validations.of(app): success on the construct, failure on a bad setting', () => {
    const outcome = (stack: Stack) => {
      const app = stack.node.root as App;
      Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
      const exitCode = process.exitCode;
      let failed = false;
      try {
        app.synth();
      } catch {
        failed = true; // newer aws-cdk-lib releases throw on a failed validation ...
      } finally {
        failed ||= (process.exitCode ?? 0) !== (exitCode ?? 0); // ... 2.258 sets the exit code instead
        process.exitCode = exitCode; // which would otherwise fail the whole jest run
      }
      // The report's file name and shape changed across aws-cdk-lib releases; read both.
      const reportFile = ['validation-report.json', 'policy-validation-report.json'].map((f) => path.join(app.outdir, f)).find((f) => fs.existsSync(f));
      const report = reportFile ? JSON.parse(fs.readFileSync(reportFile, 'utf8')) : { pluginReports: [] };
      const plugins = (report.pluginReports as any[]).map((p) => ({
        status: p.summary?.status ?? p.conclusion,
        error: p.summary?.metadata?.error,
        rules: (p.violations as any[]).map((v) => v.ruleName),
      }));
      return { failed, plugins };
    };
    const good = outcome(stackWith());
    expect(good.plugins.filter((p) => p.status !== 'success')).toEqual([]);
    expect(good.failed).toBe(false);
    const bad = outcome(stackWith({ tracing: lambda.Tracing.ACTIVE }));
    expect(bad.plugins).toEqual([expect.objectContaining({ status: 'failure', rules: ['AwsSolutions-IAM5[Resource::*]'] })]);
    expect(bad.failed).toBe(true);
  });
});

describe('cdk-nag Serverless', () => {
  test('only the DLQ error and the tracing warning remain, both deliberate', () => {
    // LambdaDLQ: a dead-letter queue only receives failed *asynchronous* invocations; Function URL calls are
    // synchronous, so a queue would stay empty (and bring SQS findings of its own).
    // LambdaTracing: X-Ray is opt-in (tracing prop) because it needs Resource "*" (AwsSolutions-IAM5).
    expect(findings(stackWith(), serverless)).toEqual([
      'Serverless-LambdaDLQ Test/Llm/Function/Resource',
      'Serverless-LambdaTracing Test/Llm/Function/Resource',
    ]);
    expect(findings(stackWith({ tracing: lambda.Tracing.ACTIVE }), serverless)).toEqual(['Serverless-LambdaDLQ Test/Llm/Function/Resource']);
  });
});

describe('cdk-nag NIST 800-53 R5, HIPAA Security and PCI DSS 3.2.1 on the default construct', () => {
  // What a regulated reviewer sees with only `model` set: each is a prop away (vpc, logEncryptionKey,
  // reservedConcurrentExecutions; README "Regulated deployments"), except the dead-letter queue, which does
  // not apply to a synchronous Function URL. The role's policy is managed, so IAMNoInlinePolicy passes.
  test.each([
    ['NIST 800-53 R5', (app: App) => new NIST80053R5Checks(app), 'NIST.800.53.R5', ['CloudWatchLogGroupEncrypted', 'LambdaConcurrency', 'LambdaDLQ', 'LambdaInsideVPC']],
    ['HIPAA Security', (app: App) => new HIPAASecurityChecks(app), 'HIPAA.Security', ['CloudWatchLogGroupEncrypted', 'LambdaConcurrency', 'LambdaDLQ', 'LambdaInsideVPC']],
    ['PCI DSS 3.2.1', (app: App) => new PCIDSS321Checks(app), 'PCI.DSS.321', ['CloudWatchLogGroupEncrypted', 'LambdaInsideVPC']],
  ])('%s', (_name, pack, prefix, rules) => {
    const fired = findings(stackWith(), pack);
    expect(fired.map((f) => f.split(' ')[0])).toEqual(rules.map((rule) => `${prefix}-${rule}`));
    expect(fired.filter((f) => f.includes('IAMNoInlinePolicy'))).toEqual([]);
  });
});
