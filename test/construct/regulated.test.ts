import { App, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { AwsSolutionsChecks, HIPAASecurityChecks, NagPack, NIST80053R5Checks, PCIDSS321Checks } from 'cdk-nag';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

afterAll(cleanTempDirs);

const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) });
const build = (stack: Stack, props: Partial<LlmFunctionUrlProps>) => new LlmFunctionUrl(stack, 'Llm', { model: model(), ...props });

/** A VPC as regulated accounts import it: two private isolated subnets, no internet access. */
function importedVpc(stack: Stack): ec2.IVpc {
  return ec2.Vpc.fromVpcAttributes(stack, 'Vpc', {
    vpcId: 'vpc-0123456789abcdef0',
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    isolatedSubnetIds: ['subnet-0000000000000000a', 'subnet-0000000000000000b'],
    publicSubnetIds: ['subnet-00000000000000pua', 'subnet-00000000000000pub'],
  });
}
const functionOf = (stack: Stack) => Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties;
const policyStatements = (stack: Stack) =>
  Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement as Array<Record<string, any>>;

describe('vpc, vpcSubnets, securityGroups', () => {
  test('the function runs in the private subnets with a security group of its own, and may manage its network interfaces', () => {
    const stack = newStack();
    build(stack, { vpc: importedVpc(stack) });
    const fn = functionOf(stack);
    expect(fn.VpcConfig.SubnetIds).toEqual(['subnet-0000000000000000a', 'subnet-0000000000000000b']);
    expect(fn.VpcConfig.SecurityGroupIds).toHaveLength(1);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroup', { VpcId: 'vpc-0123456789abcdef0', SecurityGroupIngress: Match.absent() });
    expect(policyStatements(stack)).toEqual(expect.arrayContaining([{
      Sid: 'ManageVpcNetworkInterfaces',
      Effect: 'Allow',
      Action: ['ec2:CreateNetworkInterface', 'ec2:DescribeNetworkInterfaces', 'ec2:DescribeSubnets', 'ec2:DeleteNetworkInterface', 'ec2:AssignPrivateIpAddresses', 'ec2:UnassignPrivateIpAddresses'],
      Resource: '*',
    }]));
    // In the construct's own policy, not AWS's AWSLambdaVPCAccessExecutionRole.
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Role', { ManagedPolicyArns: Match.absent() });
  });

  test('private subnets with egress are preferred over isolated ones; given security groups are used', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const group = new ec2.SecurityGroup(stack, 'Group', { vpc });
    build(stack, { vpc, securityGroups: [group] });
    const privateIds = vpc.privateSubnets.map((s) => stack.resolve(s.subnetId));
    expect(functionOf(stack).VpcConfig.SubnetIds).toEqual(privateIds);
    expect(functionOf(stack).VpcConfig.SecurityGroupIds).toEqual([stack.resolve(group.securityGroupId)]);
  });

  test.each([
    ['public subnets selected', (stack: Stack) => ({ vpc: importedVpc(stack), vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC } }),
      /Test\/Llm: vpcSubnets: selects public subnets \(subnet-00000000000000pua, subnet-00000000000000pub\); Lambda gives a function in a VPC no public IP/],
    ['a VPC with public subnets only', (stack: Stack) => ({ vpc: new ec2.Vpc(stack, 'PublicOnly', { subnetConfiguration: [{ name: 'p', subnetType: ec2.SubnetType.PUBLIC }] }) }),
      /Test\/Llm: vpc: has no private subnets/],
    ['vpcSubnets without vpc', () => ({ vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED } }), /Test\/Llm: vpcSubnets: given without vpc/],
    ['securityGroups without vpc', (stack: Stack) => ({ securityGroups: [ec2.SecurityGroup.fromSecurityGroupId(stack, 'G', 'sg-1')] }), /Test\/Llm: securityGroups: given without vpc/],
    ['an empty list of security groups', (stack: Stack) => ({ vpc: importedVpc(stack), securityGroups: [] }), /Test\/Llm: securityGroups: an empty list/],
  ])('refused: %s', (_name, props, message) => {
    const stack = newStack();
    expect(() => build(stack, props(stack))).toThrow(message);
  });
});

describe('logEncryptionKey', () => {
  test('encrypts the log group, and the key policy lets CloudWatch Logs of this account and Region use the key', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    build(stack, { logEncryptionKey: key });
    const template = Template.fromStack(stack);
    const keyId = Object.keys(template.findResources('AWS::KMS::Key'))[0];
    template.hasResourceProperties('AWS::Logs::LogGroup', { KmsKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
    const keyPolicy = Object.values(template.findResources('AWS::KMS::Key'))[0].Properties.KeyPolicy.Statement as Array<Record<string, any>>;
    expect(keyPolicy).toEqual(expect.arrayContaining([{
      Sid: 'AllowCloudWatchLogsEncryption',
      Effect: 'Allow',
      Principal: { Service: { 'Fn::Join': ['', ['logs.eu-west-1.', { Ref: 'AWS::URLSuffix' }]] } },
      Action: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
      Resource: '*',
      Condition: { ArnLike: { 'kms:EncryptionContext:aws:logs:arn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':logs:eu-west-1:123456789012:log-group:*']] } } },
    }]));
  });

  test('an imported key cannot be given the statement: a warning spells it out', () => {
    const stack = newStack();
    build(stack, { logEncryptionKey: kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555') });
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    expect(warnings).toEqual([expect.stringMatching(/^logEncryptionKey is imported, so its key policy cannot be changed here: allow logs.<region>.amazonaws.com kms:Encrypt\*/)]);
  });

  test('refused with a given log group', () => {
    const stack = newStack();
    expect(() => build(stack, { logGroup: new logs.LogGroup(stack, 'Mine'), logEncryptionKey: new kms.Key(stack, 'Key') }))
      .toThrow(/Test\/Llm: logEncryptionKey: set it on the given logGroup instead/);
  });
});

describe('environmentEncryptionKey', () => {
  test('encrypts the environment and lets the role decrypt it', () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    build(stack, { environmentEncryptionKey: key });
    const keyArn = { 'Fn::GetAtt': [Object.keys(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0], 'Arn'] };
    expect(functionOf(stack).KmsKeyArn).toEqual(keyArn);
    expect(policyStatements(stack)).toEqual(expect.arrayContaining([{ Sid: 'DecryptEnvironment', Effect: 'Allow', Action: 'kms:Decrypt', Resource: keyArn }]));
  });
});

describe('cdk-nag on the construct with the regulated props', () => {
  function findings(stack: Stack, pack: (app: App) => NagPack): string[] {
    const app = stack.node.root as App;
    app.synth();
    return pack(app).validateScope(app).violations
      .flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} ${r.constructPath}`)).sort();
  }
  const regulated = () => {
    const stack = newStack();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    build(stack, { vpc: importedVpc(stack), logEncryptionKey: key, environmentEncryptionKey: key, reservedConcurrentExecutions: 2 });
    return stack;
  };

  test('AwsSolutions: the keys add nothing; the VPC adds exactly the network-interface wildcard', () => {
    const keysOnly = newStack();
    const key = new kms.Key(keysOnly, 'Key', { enableKeyRotation: true });
    build(keysOnly, { logEncryptionKey: key, environmentEncryptionKey: key });
    expect(findings(keysOnly, (app) => new AwsSolutionsChecks(app))).toEqual([]);
    expect(findings(regulated(), (app) => new AwsSolutionsChecks(app))).toEqual(['AwsSolutions-IAM5[Resource::*] Test/Llm/RuntimePolicy/Resource']);
  });

  test.each([
    ['NIST 800-53 R5', (app: App) => new NIST80053R5Checks(app), ['NIST.800.53.R5-LambdaDLQ Test/Llm/Function/Resource']],
    ['HIPAA Security', (app: App) => new HIPAASecurityChecks(app), ['HIPAA.Security-LambdaDLQ Test/Llm/Function/Resource']],
    ['PCI DSS 3.2.1', (app: App) => new PCIDSS321Checks(app), []],
  ])('%s: only the dead-letter queue remains (it does not apply to a synchronous Function URL)', (_name, pack, expected) => {
    expect(findings(regulated(), pack)).toEqual(expected);
  });
});
