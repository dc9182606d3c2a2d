/**
 * cfn-lint over every template the example app synthesizes (each context variant) and over the construct's
 * configurations: no error, and no warning but the ones listed below with their reason.
 */
import { Size, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cfnLint, CfnLintFinding } from './cfn-lint';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmImage, LlmModel, MemoryPerVcpu } from '../../src';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack, writeSmallModel } from '../construct/fixtures';
import { cleanOutdirs, synthExample } from '../examples/example-synth';

afterAll(() => {
  cleanTempDirs();
  cleanOutdirs();
});

/**
 * Warnings cfn-lint gives that are not the construct's to fix, each with its reason. Anything else fails.
 */
const ACCEPTED_WARNINGS: Array<{ rule: string; message: RegExp; reason: string }> = [
  {
    rule: 'W3005',
    message: /^'\w+' dependency already enforced by a 'GetAtt' at 'Resources\/\w+\/Properties\/Role'$/,
    reason: 'aws-cdk-lib\'s lambda.Function (and the custom resource behind a VPC\'s restrictDefaultSecurityGroup) adds a DependsOn on '
      + 'its execution role although its Role property already references it: redundant, harmless, and made by aws-cdk-lib, not here.',
  },
];

const urlModel = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069), kvCacheBytesPerToken: 28_672 });

/** Builds one construct configuration in a fresh stack and returns its template. */
type Configuration = Partial<LlmFunctionUrlProps> & { after?: (llm: LlmFunctionUrl) => void };
function construct(configure: (stack: Stack) => Configuration, scope?: (stack: Stack) => Construct) {
  return () => {
    const stack = newStack();
    const { after, ...props } = configure(stack);
    const llm = new LlmFunctionUrl(scope ? scope(stack) : stack, 'Llm', { model: urlModel(), ...props });
    after?.(llm);
    return Template.fromStack(stack).toJSON();
  };
}
/**
 * A VPC as imported by id: one created here would carry the placeholder Availability Zones CDK uses without a
 * context lookup ('dummy1a'), which cfn-lint rightly reports (W3010); the examples cover created VPCs.
 */
const vpcOf = (stack: Stack) => ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
  vpcId: 'vpc-0123456789abcdef0',
  availabilityZones: ['eu-west-1a', 'eu-west-1b'],
  privateSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
});
/** Nests constructs until the path passes 300 characters (the alias description once embedded it). */
const deepScope = (stack: Stack) => {
  let scope: Construct = stack;
  while (scope.node.path.length < 300) scope = new Construct(scope, `Nested${'x'.repeat(40)}`);
  return scope;
};

const EXAMPLE_VARIANTS: Array<[string, () => Record<string, string>]> = [
  ['example-default', () => ({})],
  ['example-7b', () => ({ model: '7b' })],
  ['example-8b-x86_64-none', () => ({ model: '8b', architecture: 'x86_64', auth: 'none' })],
  ['example-snapstart', () => ({ snapStart: 'true' })],
  ['example-webui', () => ({ auth: 'none', webUi: 'true' })],
  ['example-compliance', () => ({ compliance: 'true' })],
  ['example-custom-url', () => ({ modelUrl: 'https://models.example.com/pinned/abc/my-model.gguf', modelSha256: 'b'.repeat(64), modelSizeBytes: String(2 ** 31), modelKvCacheBytesPerToken: '28672' })],
  ['example-model-file', () => ({ modelFile: writeSmallModel() })],
  ['example-provisioned-concurrency', () => ({ provisionedConcurrency: '2' })],
  ['example-managed-instances', () => ({ managedInstances: 'true' })],
  ['example-managed-instances-none', () => ({ managedInstances: 'true', auth: 'none' })],
];

const CONSTRUCT_CONFIGURATIONS: Array<[string, () => unknown]> = [
  ['construct-default', construct(() => ({}))],
  ['construct-none-with-key', construct(() => ({ authType: lambda.FunctionUrlAuthType.NONE, reservedConcurrentExecutions: 2, cors: { allowedOrigins: ['https://app.example.com'] } }))],
  ['construct-snapstart', construct(() => ({ snapStart: true }))],
  ['construct-snapstart-300-character-path', construct(() => ({ snapStart: true }), deepScope)],
  ['construct-vpc-and-keys', construct((stack) => {
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    return { vpc: vpcOf(stack), logEncryptionKey: key, environmentEncryptionKey: key, tracing: lambda.Tracing.ACTIVE };
  })],
  ['construct-bring-your-own-role-and-logs', construct((stack) => ({
    role: iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::123456789012:role/team/llm-runtime', { mutable: false }),
    logGroup: new logs.LogGroup(stack, 'Central', { retention: logs.RetentionDays.ONE_YEAR }),
    functionName: 'team-llm',
  }))],
  ['construct-prebuilt-image', construct((stack) => ({
    image: LlmImage.fromEcr(ecr.Repository.fromRepositoryName(stack, 'Repo', 'llm-runtime'), { tagOrDigest: `sha256:${'c'.repeat(64)}` }),
    model: LlmModel.fromImage({ size: Size.mebibytes(1069), kvCacheBytesPerToken: 28_672 }),
  }))],
  ['construct-from-bucket', construct((stack) => ({
    model: LlmModel.fromBucket(new s3.Bucket(stack, 'Models', { enforceSSL: true }), 'r1/model.gguf', { size: Size.mebibytes(1069), sha256: EXAMPLE_SHA256 }),
  }))],
  ['construct-provisioned-concurrency-scaled', construct(() => ({
    provisionedConcurrentExecutions: 1,
    after: (llm) => {
      const scaling = llm.alias!.addAutoScaling({ minCapacity: 1, maxCapacity: 4 });
      scaling.scaleOnUtilization({ utilizationTarget: 0.7 });
      scaling.scaleOnSchedule('Night', { schedule: appscaling.Schedule.cron({ hour: '20', minute: '0' }), minCapacity: 1 });
    },
  }))],
  ['construct-managed-instances', construct((stack) => ({ vpc: vpcOf(stack), managedInstances: {} }))],
  ['construct-managed-instances-options', construct((stack) => ({
    vpc: vpcOf(stack),
    architecture: lambda.Architecture.X86_64,
    threads: 4,
    managedInstances: {
      maxConcurrency: 8, memoryPerVcpu: MemoryPerVcpu.FOUR_GIB, minExecutionEnvironments: 3, maxExecutionEnvironments: 12, maxVcpuCount: 96,
    },
  }))],
  ['construct-managed-instances-given-provider', construct((stack) => ({
    managedInstances: { capacityProvider: lambda.CapacityProvider.fromCapacityProviderArn(stack, 'Shared', 'arn:aws:lambda:eu-west-1:123456789012:capacity-provider:shared') },
  }))],
];

/** Templates that must fail, so that a silent or misconfigured cfn-lint cannot pass the checks above. */
const BROKEN_CONTROLS: Array<[string, string, () => unknown]> = [
  ['control-environment-over-4-kb', 'E3697', construct(() => ({
    after: (llm) => (llm.function.node.defaultChild as lambda.CfnFunction).addPropertyOverride('Environment.Variables.NOTES', 'x'.repeat(4200)),
  }))],
  ['control-alias-description-over-256', 'E3033', construct(() => ({
    snapStart: true,
    after: (llm) => (llm.alias!.node.defaultChild as lambda.CfnAlias).addPropertyOverride('Description', 'x'.repeat(300)),
  }))],
];

let findings: CfnLintFinding[];

beforeAll(() => {
  const templates: Record<string, unknown> = {};
  for (const [name, context] of EXAMPLE_VARIANTS) templates[name] = synthExample(context()).template.toJSON();
  for (const [name, build] of CONSTRUCT_CONFIGURATIONS) templates[name] = build();
  for (const [name, , build] of BROKEN_CONTROLS) templates[name] = build();
  const started = Date.now();
  findings = cfnLint(templates);
  // The time cfn-lint takes for all templates at once, for the report (it starts up once).
  process.stdout.write(`cfn-lint: ${Object.keys(templates).length} templates in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
}, 300_000);

const unaccepted = (name: string) => findings
  .filter((f) => f.template === name)
  .filter((f) => !(f.level === 'Warning' && ACCEPTED_WARNINGS.some((w) => w.rule === f.rule && w.message.test(f.message))))
  .map((f) => `${f.rule} ${f.path}: ${f.message}`);

test.each([...EXAMPLE_VARIANTS, ...CONSTRUCT_CONFIGURATIONS].map(([name]) => name))('%s: no error, no warning but the accepted ones', (name) => {
  expect(unaccepted(name)).toEqual([]);
});

test.each(BROKEN_CONTROLS.map(([name, rule]) => [name, rule]))('%s is reported (%s): cfn-lint does check', (name, rule) => {
  expect(findings.filter((f) => f.template === name && f.level === 'Error').map((f) => f.rule)).toContain(rule);
});

test('every accepted warning still occurs (a fixed one comes off the list)', () => {
  for (const accepted of ACCEPTED_WARNINGS) {
    expect(findings.some((f) => f.rule === accepted.rule && accepted.message.test(f.message))).toBe(true);
  }
});
