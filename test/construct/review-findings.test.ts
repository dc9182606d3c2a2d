/**
 * Issue 18's construct findings 1, 2, 5, 6 and 7, each reproduced as it was reported: a template Lambda would
 * refuse, an image built for the wrong platform, an environment over Lambda's 4 KB, grants that vanish into an
 * immutable role, and a construct that is not ec2.IConnectable.
 */
import { Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { cleanTempDirs, dockerImageSources, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

afterAll(cleanTempDirs);

const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069) });
const build = (props: Partial<LlmFunctionUrlProps> = {}, stack: Stack = newStack(), scope: Construct = stack) =>
  new LlmFunctionUrl(scope, 'Llm', { model: model(), ...props });
const onlyResource = (stack: Stack, type: string) => {
  const found = Object.values(Template.fromStack(stack).findResources(type));
  expect(found).toHaveLength(1);
  return found[0].Properties;
};
const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));

describe('1. the alias description is short and never derived from the construct path', () => {
  test('a 300-character construct path still gives a description within the 256 characters Lambda allows', () => {
    const stack = newStack();
    let scope: Construct = stack;
    while (scope.node.path.length < 300) scope = new Construct(scope, `Nested${'x'.repeat(40)}`);
    const llm = build({ snapStart: true }, stack, scope);
    expect(llm.node.path.length).toBeGreaterThan(300);
    const description = onlyResource(stack, 'AWS::Lambda::Alias').Description as string;
    expect(description.length).toBeLessThanOrEqual(256);
    expect(description).not.toContain('Nested');
  });
});

describe('2. the image platform comes from the architecture itself', () => {
  test.each([
    ['a custom x86_64 architecture object', 'linux/amd64', () => lambda.Architecture.custom('x86_64', 'linux/amd64')],
    ['a custom arm64 architecture object', 'linux/arm64', () => lambda.Architecture.custom('arm64', 'linux/arm64')],
    ['lambda.Architecture.X86_64', 'linux/amd64', () => lambda.Architecture.X86_64],
    ['the default (ARM_64)', 'linux/arm64', () => undefined],
  ])('%s builds for %s', (_name, platform, architecture) => {
    const stack = newStack();
    build({ architecture: architecture() }, stack);
    expect(dockerImageSources(stack).map((s) => s.platform)).toEqual([platform]);
  });
});

describe('5. Lambda\'s 4 KB limit on the environment (names + values)', () => {
  test('a 4.2 KB environment is refused, naming the prop, the total and the limit', () => {
    const environment = { NOTES: 'x'.repeat(4200) };
    expect(() => build({ environment })).toThrow(/Test\/Llm: environment: the function's environment variables total \d{4} bytes \(names and values, \d+ of them set by the construct\), over Lambda's limit of 4096 bytes/);
  });

  test('the construct\'s own variables leave room: a 3 KB environment of the user\'s synthesizes', () => {
    const stack = newStack();
    build({ environment: { NOTES: 'x'.repeat(3000) } }, stack);
    const variables = onlyResource(stack, 'AWS::Lambda::Function').Environment.Variables as Record<string, string>;
    const total = Object.entries(variables).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + Buffer.byteLength(String(value)), 0);
    expect(total).toBeLessThanOrEqual(4096);
  });

  test('multi-byte characters count as the bytes they take', () => {
    // 1,400 three-byte characters: 4,200 bytes, though only 1,400 characters.
    expect(() => build({ environment: { NOTES: '€'.repeat(1400) } })).toThrow(/environment: .* over Lambda's limit of 4096 bytes/);
  });

  test('values known only at deploy time are counted at a conservative length, with a warning when that may pass the limit', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    // About 3,950 bytes known (3,550 of them the user's), plus a bucket name counted at 256: may pass 4 KB.
    build({ environment: { NOTES: 'x'.repeat(3550), BUCKET: bucket.bucketName } }, stack);
    expect(warningsOf(stack)).toEqual(expect.arrayContaining([
      expect.stringMatching(/environment: the function's environment variables total \d{4} bytes known at synth plus 1 value known only at deploy time \(BUCKET\), counted at 256 bytes: \d{4} bytes may exceed Lambda's limit of 4096 bytes/),
    ]));
  });
});

describe('6. grants to an immutable role are reported, not silently dropped', () => {
  test('bucket.grantRead(llm) with a role imported with mutable: false warns, naming what could not be added', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::123456789012:role/team/llm-runtime', { mutable: false });
    const llm = build({ role }, stack);
    new s3.Bucket(stack, 'Documents').grantRead(llm);
    expect(warningsOf(stack)).toEqual(expect.arrayContaining([
      expect.stringMatching(/role: is immutable \(imported with mutable: false, or withoutPolicyUpdates\(\)\), so this grant added nothing: s3:GetObject\*, s3:GetBucket\*, s3:List\* on .*Documents.*; attach it to the role yourself/),
    ]));
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('a mutable imported role gets the grant, and no warning', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::123456789012:role/team/llm-runtime');
    const llm = build({ role }, stack);
    new s3.Bucket(stack, 'Documents').grantRead(llm);
    Template.fromStack(stack).resourceCountIs('AWS::IAM::Policy', 1);
    expect(warningsOf(stack).filter((w) => w.includes('immutable'))).toEqual([]);
  });
});

describe('7. the construct is ec2.IConnectable in a VPC', () => {
  test('llm.connections manages the function\'s security group', () => {
    const stack = newStack();
    const vpc = new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 1 });
    const llm = build({ vpc }, stack);
    const database = new ec2.SecurityGroup(stack, 'Database', { vpc });
    database.connections.allowFrom(llm, ec2.Port.tcp(5432));
    const connectable: ec2.IConnectable = llm;
    expect(connectable.connections.securityGroups).toHaveLength(1);
    const functionGroup = stack.resolve(connectable.connections.securityGroups[0].securityGroupId);
    Template.fromStack(stack).hasResourceProperties('AWS::EC2::SecurityGroupIngress', { FromPort: 5432, SourceSecurityGroupId: functionGroup });
  });

  test('without a VPC, connections throws, naming the prop (as aws-cdk-lib\'s Function does)', () => {
    const llm = build();
    expect(() => llm.connections).toThrow(/Test\/Llm: connections: the function is not in a VPC, so it has no security groups; set vpc/);
  });
});
