/**
 * The example's regulated variant (`-c compliance=true`): all five cdk-nag packs (AwsSolutions, Serverless,
 * NIST 800-53 R5, HIPAA Security, PCI DSS 3.2.1) find nothing unacknowledged, and each fix is load-bearing:
 * taking it away makes the packs fire again.
 */
import { cleanOutdirs, newOutdir, synthExample, synthWithCarelessFunction, synthWithNag } from './example-synth';
import { createApp } from '../../examples/deepseek-r1/app';
import { COMPLIANCE_RESERVED_CONCURRENCY } from '../../examples/deepseek-r1/deepseek-r1-stack';

afterAll(cleanOutdirs);

const COMPLIANCE = { compliance: 'true' };

describe('examples/deepseek-r1 with compliance=true', () => {
  test('synthesizes with all five packs and no unacknowledged finding', () => {
    const { template } = synthExample(COMPLIANCE);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))
      .find((r) => r.Properties.PackageType === 'Image')!;
    expect(fn.Properties.VpcConfig.SubnetIds).toHaveLength(2);
    expect(fn.Properties.KmsKeyArn).toBeDefined();
    expect(fn.Properties.ReservedConcurrentExecutions).toBe(COMPLIANCE_RESERVED_CONCURRENCY);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM' });
    // Private isolated subnets only: no internet gateway, no NAT; no endpoint is needed for a baked-in model.
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.resourceCountIs('AWS::EC2::NatGateway', 0);
    template.resourceCountIs('AWS::EC2::VPCEndpoint', 0);
    template.resourceCountIs('AWS::EC2::FlowLog', 1);
    template.resourceCountIs('AWS::IAM::Policy', 0);
  });

  test('all five packs run: a careless function added to the compliance stack is reported by each', () => {
    // A passing synth writes no validation report, so "no findings" alone cannot tell a pack that passed
    // from one that never ran.
    const { findings, exitCode } = synthWithCarelessFunction(COMPLIANCE);
    expect(new Set(findings.map((f) => f.plugin))).toEqual(new Set(['AwsSolutions', 'Serverless', 'NIST.800.53.R5', 'HIPAA.Security', 'PCI.DSS.321']));
    expect(findings.every((f) => f.path?.startsWith('DeepSeekR1/Careless/'))).toBe(true);
    expect(exitCode).not.toBe(0);
  });

  test.each([
    ['vpc', { vpc: undefined }, ['NIST.800.53.R5-LambdaInsideVPC', 'HIPAA.Security-LambdaInsideVPC', 'PCI.DSS.321-LambdaInsideVPC']],
    ['logEncryptionKey', { logEncryptionKey: undefined }, ['NIST.800.53.R5-CloudWatchLogGroupEncrypted', 'HIPAA.Security-CloudWatchLogGroupEncrypted', 'PCI.DSS.321-CloudWatchLogGroupEncrypted']],
    ['reservedConcurrentExecutions', { reservedConcurrentExecutions: undefined }, ['NIST.800.53.R5-LambdaConcurrency', 'HIPAA.Security-LambdaConcurrency']],
  ])('without %s the packs fire again', (_fix, overrides, rules) => {
    const { findings, exitCode } = synthWithNag(createApp({ outdir: newOutdir(), context: COMPLIANCE }, { overrides }));
    expect(findings.map((f) => f.rule).sort()).toEqual([...rules].sort());
    expect(findings.every((f) => f.path?.startsWith('DeepSeekR1/DeepSeekR1/'))).toBe(true);
    expect(exitCode).not.toBe(0);
  });

  test('compliance needs IAM auth; a bad value names the key', () => {
    expect(() => createApp({ outdir: newOutdir(), context: { ...COMPLIANCE, auth: 'none' } })).toThrow(/context compliance=true needs auth=iam/);
    expect(() => createApp({ outdir: newOutdir(), context: { compliance: 'yes' } })).toThrow(/context compliance=yes: expected true \| false/);
  });
});
