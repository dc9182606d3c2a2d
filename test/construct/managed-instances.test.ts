/**
 * managedInstances (issue 19, construct half): the function on a capacity provider, with the concurrency and
 * memory ratio set explicitly, LLM_PARALLEL and LLM_THREADS from them, memory for every KV cache, a published
 * version behind the alias live with a streaming Function URL, and every combination the service refuses
 * refused at synth.
 */
import { App, Size, Stack, Validations } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel, ManagedInstancesOptions, MemoryPerVcpu } from '../../src';
import { synthWithNag } from '../examples/example-synth';

afterAll(cleanTempDirs);

const PROVIDER_ARN = 'arn:aws:lambda:eu-west-1:123456789012:capacity-provider:shared-llm';
/** The 1.5B distill: 1,069 MiB, 28 KiB of KV cache per token (112 MiB at 4,096 tokens). */
const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069), kvCacheBytesPerToken: 28_672 });
const vpcOf = (stack: Stack) => new ec2.Vpc(stack, 'Vpc', { maxAzs: 3, natGateways: 1 });
function build(options: ManagedInstancesOptions = {}, props: Partial<LlmFunctionUrlProps> = {}, stack: Stack = newStack()) {
  const vpc = options.capacityProvider ? undefined : vpcOf(stack);
  const llm = new LlmFunctionUrl(stack, 'Llm', { model: model(), vpc, managedInstances: options, ...props });
  return { stack, llm, template: Template.fromStack(stack) };
}
const only = (template: Template, type: string) => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { logicalId: found[0][0], ...found[0][1] } as { logicalId: string; [key: string]: any };
};

describe('managedInstances: {} with a vpc (a capacity provider of the construct\'s own)', () => {
  const { stack, llm, template } = build();
  const fn = only(template, 'AWS::Lambda::Function');
  const provider = only(template, 'AWS::Lambda::CapacityProvider');

  test('the capacity provider runs in the private subnets, for the function\'s architecture, with a security group that allows outbound only', () => {
    const vpc = stack.node.findChild('Vpc') as ec2.Vpc;
    expect(provider.Properties.VpcConfig.SubnetIds).toEqual(vpc.privateSubnets.map((s) => stack.resolve(s.subnetId)));
    expect(provider.Properties.InstanceRequirements).toEqual({ Architectures: ['arm64'] });
    const [groupId] = provider.Properties.VpcConfig.SecurityGroupIds;
    const group = template.toJSON().Resources[groupId['Fn::GetAtt'][0]];
    expect(group.Properties.SecurityGroupIngress).toBeUndefined();
    expect(group.Properties.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: '-1' })]);
    expect(llm.capacityProvider).toBeDefined();
  });

  test('the function is on it, with the concurrency and memory ratio set explicitly, and no $LATEST.PUBLISHED copy', () => {
    expect(fn.Properties.CapacityProviderConfig).toEqual({
      LambdaManagedInstancesCapacityProviderConfig: {
        CapacityProviderArn: { 'Fn::GetAtt': [provider.logicalId, 'Arn'] },
        PerExecutionEnvironmentMaxConcurrency: 4,
        ExecutionEnvironmentMemoryGiBPerVCpu: 2,
      },
    });
    expect(fn.Properties.PublishToLatestPublished).toBe(false);
    // The instances are in the VPC; the function itself has no network interfaces there, and its role no ENI actions.
    expect(fn.Properties.VpcConfig).toBeUndefined();
    const statements = only(template, 'AWS::IAM::ManagedPolicy').Properties.PolicyDocument.Statement;
    expect(statements.map((s: { Sid: string }) => s.Sid)).toEqual(['WriteLogs']);
  });

  test('the runtime decodes maxConcurrency answers at once, with one thread per vCPU, and memory holds four KV caches', () => {
    // 1,069 + 4 x 112 + 512 + 107 -> 2,176 MB, raised to 2 vCPUs at 2 GiB each: 4,096 MB.
    expect(fn.Properties.MemorySize).toBe(4096);
    expect(fn.Properties.Environment.Variables).toMatchObject({ LLM_PARALLEL: '4', LLM_THREADS: '2' });
    expect(llm.threads).toBe(2);
  });

  test('a published version with three execution environments at least, behind the alias live; the URL streams from it', () => {
    const version = only(template, 'AWS::Lambda::Version');
    expect(version.Properties.FunctionScalingConfig).toEqual({ MinExecutionEnvironments: 3 });
    expect(version.DeletionPolicy).toBe('Delete');
    const alias = only(template, 'AWS::Lambda::Alias');
    expect(alias.Properties).toMatchObject({ Name: 'live', FunctionVersion: { 'Fn::GetAtt': [version.logicalId, 'Version'] } });
    expect(alias.Properties.ProvisionedConcurrencyConfig).toBeUndefined();
    expect(only(template, 'AWS::Lambda::Url').Properties).toMatchObject({ Qualifier: 'live', InvokeMode: 'RESPONSE_STREAM', AuthType: 'AWS_IAM' });
    expect(fn.Properties.Environment.Variables.AWS_LWA_INVOKE_MODE).toBe('response_stream');
  });

  test('connections are the instances\' security group', () => {
    const groups = llm.connections.securityGroups.map((g) => stack.resolve(g.securityGroupId));
    expect(groups).toEqual(provider.Properties.VpcConfig.SecurityGroupIds);
  });

  test('AwsSolutions: the operator role\'s AWS managed policy is acknowledged by the construct, with its reason; nothing else is found', () => {
    const checked = newStack();
    const vpc = vpcOf(checked);
    new LlmFunctionUrl(checked, 'Llm', { model: model(), vpc, managedInstances: {} });
    // A capacity provider made without the construct, beside it: its operator role's finding is reported, so the
    // pack runs, and the construct's acknowledgement is what keeps the construct clean.
    new lambda.CapacityProvider(checked, 'Bare', { subnets: vpc.privateSubnets, securityGroups: [new ec2.SecurityGroup(checked, 'BareGroup', { vpc })] });
    const app = checked.node.root as App;
    const finding = 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/AWSLambdaManagedEC2ResourceOperator]';
    const direct = new AwsSolutionsChecks(app).validateScope(app).violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`));
    expect(direct.filter((f) => f.includes('IAM4'))).toEqual([`${finding} Test/Bare/OperatorRole/Resource`]);
    expect(direct.filter((f) => f.includes(' Test/Llm/'))).toEqual([]);
    // Through the validation plugin too, as users run it.
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    const { findings } = synthWithNag(app);
    expect(findings.filter((f) => f.rule.startsWith('AwsSolutions-IAM4')).map((f) => f.path)).toEqual(['Test/Bare/OperatorRole/Resource']);
    expect(findings.filter((f) => f.path?.startsWith('Test/Llm/'))).toEqual([]);
    const acknowledged = checked.node.findChild('Llm').node.findChild('CapacityProvider').node.findChild('OperatorRole').node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY).map((m) => m.data);
    expect(acknowledged).toEqual([{ [`annotation::${finding}`]: expect.stringContaining('AWS keeps up to date') }]);
  });
});

describe('options', () => {
  test('maxConcurrency, memoryPerVcpu, threads and the execution environments', () => {
    const options = {
      maxConcurrency: 8, memoryPerVcpu: MemoryPerVcpu.FOUR_GIB, minExecutionEnvironments: 4, maxExecutionEnvironments: 10, maxVcpuCount: 48,
    };
    const { template, llm } = build(options, { threads: 3 });
    const fn = only(template, 'AWS::Lambda::Function').Properties;
    expect(fn.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig)
      .toMatchObject({ PerExecutionEnvironmentMaxConcurrency: 8, ExecutionEnvironmentMemoryGiBPerVCpu: 4 });
    // Three vCPUs at 4 GiB each; eight KV caches (896 MB) fit easily.
    expect(fn.MemorySize).toBe(12_288);
    expect(fn.Environment.Variables).toMatchObject({ LLM_PARALLEL: '8', LLM_THREADS: '3' });
    expect(llm.memorySize).toBe(12_288);
    expect(only(template, 'AWS::Lambda::Version').Properties.FunctionScalingConfig).toEqual({ MinExecutionEnvironments: 4, MaxExecutionEnvironments: 10 });
    expect(only(template, 'AWS::Lambda::CapacityProvider').Properties.CapacityProviderScalingConfig).toMatchObject({ MaxVCpuCount: 48 });
  });

  test('EIGHT_GIB for a large model on few vCPUs; x86_64 instances for an x86_64 function', () => {
    const { template } = build({ memoryPerVcpu: MemoryPerVcpu.EIGHT_GIB }, { architecture: lambda.Architecture.X86_64 });
    const fn = only(template, 'AWS::Lambda::Function').Properties;
    expect(fn.MemorySize).toBe(16_384); // the 2-vCPU floor at 8 GiB each
    expect(fn.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig.ExecutionEnvironmentMemoryGiBPerVCpu).toBe(8);
    expect(only(template, 'AWS::Lambda::CapacityProvider').Properties.InstanceRequirements).toEqual({ Architectures: ['x86_64'] });
  });

  test('a capacity provider of your own: used as given, no VPC needed, nothing created', () => {
    const stack = newStack();
    const capacityProvider = lambda.CapacityProvider.fromCapacityProviderArn(stack, 'Shared', PROVIDER_ARN);
    const { template, llm } = build({ capacityProvider }, {}, stack);
    template.resourceCountIs('AWS::Lambda::CapacityProvider', 0);
    template.resourceCountIs('AWS::EC2::SecurityGroup', 0);
    expect(only(template, 'AWS::Lambda::Function').Properties.CapacityProviderConfig.LambdaManagedInstancesCapacityProviderConfig.CapacityProviderArn).toBe(PROVIDER_ARN);
    expect(llm.capacityProvider).toBe(capacityProvider);
    expect(() => llm.connections).toThrow(/Test\/Llm: connections: the function runs on a given capacity provider, whose security groups are managed where it was created/);
  });

  test('NONE auth without maxExecutionEnvironments warns about the cost, with it not', () => {
    const open = build({}, { authType: lambda.FunctionUrlAuthType.NONE });
    expect(Annotations.fromStack(open.stack).findWarning('*', Match.stringLikeRegexp('without managedInstances.maxExecutionEnvironments'))).toHaveLength(1);
    const capped = build({ maxExecutionEnvironments: 5 }, { authType: lambda.FunctionUrlAuthType.NONE });
    expect(Annotations.fromStack(capped.stack).findWarning('*', Match.stringLikeRegexp('noConcurrencyCap|maxExecutionEnvironments|reservedConcurrentExecutions'))).toEqual([]);
  });
});

describe('refused at synth, naming the props', () => {
  test('with snapStart: a Firecracker feature, and Managed Instances are containers on EC2', () => {
    expect(() => build({}, { snapStart: true }))
      .toThrow(/Test\/Llm: managedInstances: cannot be combined with snapStart: SnapStart snapshots Firecracker microVMs, and Managed Instances run the function in containers on EC2 instances/);
  });

  test('without a VPC or a capacity provider', () => {
    expect(() => new LlmFunctionUrl(newStack(), 'Llm', { model: model(), managedInstances: {} }))
      .toThrow(/Test\/Llm: managedInstances: needs vpc \(the capacity provider runs its EC2 instances in the VPC's private subnets\) or a capacityProvider of your own/);
  });

  test('vpc, vpcSubnets or securityGroups together with a given capacity provider', () => {
    const stack = newStack();
    const capacityProvider = lambda.CapacityProvider.fromCapacityProviderArn(stack, 'Shared', PROVIDER_ARN);
    expect(() => new LlmFunctionUrl(stack, 'Llm', { model: model(), vpc: vpcOf(stack), managedInstances: { capacityProvider } }))
      .toThrow(/Test\/Llm: vpc: the given managedInstances.capacityProvider already places its instances in its VPC; leave it unset/);
  });

  test('maxVcpuCount with a given capacity provider', () => {
    const stack = newStack();
    const capacityProvider = lambda.CapacityProvider.fromCapacityProviderArn(stack, 'Shared', PROVIDER_ARN);
    expect(() => build({ capacityProvider, maxVcpuCount: 24 }, {}, stack)).toThrow(/Test\/Llm: managedInstances.maxVcpuCount: applies only to the capacity provider the construct creates/);
  });

  test.each([
    ['maxConcurrency 0', { maxConcurrency: 0 }, /managedInstances.maxConcurrency: 0 is not a whole number in 1-64 \(the runtime decodes at most 64 sequences at once\)/],
    ['maxConcurrency 65', { maxConcurrency: 65 }, /managedInstances.maxConcurrency: 65 is not a whole number in 1-64/],
    ['maxConcurrency 2.5', { maxConcurrency: 2.5 }, /managedInstances.maxConcurrency: 2.5 is not a whole number in 1-64/],
    ['maxExecutionEnvironments below the minimum', { minExecutionEnvironments: 3, maxExecutionEnvironments: 2 }, /managedInstances.maxExecutionEnvironments: 2 is less than minExecutionEnvironments 3/],
    ['minExecutionEnvironments above Lambda\'s range', { minExecutionEnvironments: 20_000 }, /managedInstances.minExecutionEnvironments: 20000 is not a whole number in 0-15000/],
    ['maxVcpuCount below 12', { maxVcpuCount: 8 }, /managedInstances.maxVcpuCount: 8 is not a whole number in 12-15000/],
  ])('%s', (_name, options, message) => {
    expect(() => build(options as ManagedInstancesOptions)).toThrow(message);
  });

  test.each([
    ['memorySize below the 2 GB Managed Instances need', { memorySize: 1792 }, /Test\/Llm: memorySize: 1792 MB is not a whole number in 2048-32768 MB \(Lambda Managed Instances' memory limits\)/],
    ['memorySize too small for four KV caches', { memorySize: 2048, contextSize: 32_768, maxTokens: 2048 }, /memorySize: 2048 MB cannot hold the model: the 1069 MB model file plus 3584 MB of KV cache for 4 sequences of contextSize 32768/],
    ['threads above the vCPUs of 32 GB at 8 GiB each', { threads: 5 }, /threads: 5 is not a whole number in 1-4 \(Lambda Managed Instances at 8 GiB per vCPU gives at most 4 vCPUs\)/],
  ])('%s', (_name, props, message) => {
    const memoryPerVcpu = (props as { threads?: number }).threads ? MemoryPerVcpu.EIGHT_GIB : undefined;
    expect(() => build({ memoryPerVcpu }, props as Partial<LlmFunctionUrlProps>)).toThrow(message);
  });
});
