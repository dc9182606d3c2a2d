/**
 * provisionedConcurrentExecutions (issue 18, item 3): environments kept initialized without SnapStart, on a
 * published version behind the alias `live`, scalable with Application Auto Scaling.
 */
import { App, Duration, Size, Stack, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';
import { synthWithNag } from '../examples/example-synth';

afterAll(cleanTempDirs);

const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069), kvCacheBytesPerToken: 28_672 });
const build = (props: Partial<LlmFunctionUrlProps>, stack: Stack = newStack()) => new LlmFunctionUrl(stack, 'Llm', { model: model(), ...props });
const only = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { logicalId: found[0][0], ...found[0][1] } as { logicalId: string; [key: string]: any };
};

describe('provisionedConcurrentExecutions: 2', () => {
  const stack = newStack();
  const llm = build({ provisionedConcurrentExecutions: 2 }, stack);
  const template = Template.fromStack(stack);
  const fn = only(template, 'AWS::Lambda::Function');
  const version = only(template, 'AWS::Lambda::Version');
  const alias = only(template, 'AWS::Lambda::Alias');

  test('a published version, deleted when replaced, and the alias live on it with the provisioned concurrency', () => {
    expect(version.DeletionPolicy).toBe('Delete');
    expect(alias.Properties).toMatchObject({
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': [version.logicalId, 'Version'] },
      ProvisionedConcurrencyConfig: { ProvisionedConcurrentExecutions: 2 },
    });
    expect(fn.Properties.SnapStart).toBeUndefined();
  });

  test('the Function URL, url, grantInvokeUrl and the Lambda metrics target the alias', () => {
    const url = only(template, 'AWS::Lambda::Url');
    expect(url.Properties).toMatchObject({ TargetFunctionArn: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, Qualifier: 'live', InvokeMode: 'RESPONSE_STREAM' });
    expect(stack.resolve(llm.url)).toEqual({ 'Fn::GetAtt': [url.logicalId, 'FunctionUrl'] });
    expect(stack.resolve(llm.metricInvocations().dimensions)).toEqual({
      FunctionName: { Ref: fn.logicalId },
      Resource: { 'Fn::Join': ['', [{ Ref: fn.logicalId }, ':live']] },
    });
    const grantStack = newStack();
    const granted = build({ provisionedConcurrentExecutions: 1 }, grantStack);
    granted.grantInvokeUrl(new iam.Role(grantStack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() }));
    const policy = Object.values(Template.fromStack(grantStack).findResources('AWS::IAM::Policy'))[0];
    for (const statement of policy.Properties.PolicyDocument.Statement) expect(JSON.stringify(statement.Resource)).toContain('LlmLiveAlias');
  });

  test('AwsSolutions finds nothing', () => {
    const app = stack.node.root as App;
    expect(new AwsSolutionsChecks(app).validateScope(app).violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('Application Auto Scaling through llm.alias (the README\'s example)', () => {
  test('scheduled and by utilization: a scalable target on the alias, a target-tracking policy and scheduled actions', () => {
    const stack = newStack();
    const llm = build({ provisionedConcurrentExecutions: 1 }, stack);
    const scaling = llm.alias!.addAutoScaling({ minCapacity: 1, maxCapacity: 4 });
    scaling.scaleOnUtilization({ utilizationTarget: 0.7 });
    scaling.scaleOnSchedule('WorkingHours', { schedule: appscaling.Schedule.cron({ weekDay: 'MON-FRI', hour: '8', minute: '0' }), minCapacity: 2 });
    scaling.scaleOnSchedule('Night', { schedule: appscaling.Schedule.cron({ hour: '20', minute: '0' }), minCapacity: 1 });
    const template = Template.fromStack(stack);
    const target = only(template, 'AWS::ApplicationAutoScaling::ScalableTarget');
    expect(target.Properties).toMatchObject({
      MinCapacity: 1,
      MaxCapacity: 4,
      ScalableDimension: 'lambda:function:ProvisionedConcurrency',
      ServiceNamespace: 'lambda',
    });
    expect(JSON.stringify(target.Properties.ResourceId)).toContain(':live');
    expect(target.Properties.ScheduledActions.map((a: { ScheduledActionName: string }) => a.ScheduledActionName).sort()).toEqual(['Night', 'WorkingHours']);
    template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: { TargetValue: 0.7, PredefinedMetricSpecification: { PredefinedMetricType: 'LambdaProvisionedConcurrencyUtilization' } },
    });
  });

  test('still nag-clean through the validation plugin', () => {
    const stack = newStack();
    const llm = build({ provisionedConcurrentExecutions: 1 }, stack);
    llm.alias!.addAutoScaling({ maxCapacity: 3 }).scaleOnUtilization({ utilizationTarget: 0.7 });
    const app = stack.node.root as App;
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const { findings, exitCode } = synthWithNag(app);
    expect(findings).toEqual([]);
    expect(exitCode).toBe(0);
  });
});

describe('refused at synth, naming the props', () => {
  test.each([
    ['with snapStart (Lambda refuses both)', { snapStart: true }, /Test\/Llm: provisionedConcurrentExecutions: cannot be combined with snapStart: Lambda does not allow provisioned concurrency on SnapStart versions/],
    ['above reservedConcurrentExecutions', { reservedConcurrentExecutions: 1 }, /Test\/Llm: provisionedConcurrentExecutions: 2 is more than reservedConcurrentExecutions 1/],
  ])('%s', (_name, props, message) => {
    expect(() => build({ provisionedConcurrentExecutions: 2, ...props })).toThrow(message);
  });

  test('with managedInstances', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    expect(() => build({ provisionedConcurrentExecutions: 1, vpc, managedInstances: {} }, stack))
      .toThrow(/Test\/Llm: provisionedConcurrentExecutions: cannot be combined with managedInstances: Managed Instances keep managedInstances.minExecutionEnvironments running instead/);
  });

  test.each([0, 1.5, -1])('%s is not a whole number of at least 1', (value) => {
    expect(() => build({ provisionedConcurrentExecutions: value })).toThrow(new RegExp(`provisionedConcurrentExecutions: ${value} is not a whole number of at least 1`));
  });

  test('equal to reservedConcurrentExecutions is allowed', () => {
    expect(() => build({ provisionedConcurrentExecutions: 2, reservedConcurrentExecutions: 2, timeout: Duration.minutes(5) })).not.toThrow();
  });
});
