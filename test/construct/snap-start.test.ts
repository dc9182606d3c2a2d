import { App, CfnParameter, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import { cleanTempDirs, dockerImageSources, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';
import { RuntimeEnv, SNAPSTART_BUILD_TARGET, SnapStartHookPath } from '../../src/runtime-contract';

afterAll(cleanTempDirs);

const urlModel = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069) });
function build(props: Partial<LlmFunctionUrlProps> = {}, stack = newStack()): { stack: Stack; llm: LlmFunctionUrl; template: Template } {
  const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), snapStart: true, ...props });
  return { stack, llm, template: Template.fromStack(stack) };
}
const onlyResource = (template: Template, type: string): { logicalId: string; [key: string]: any } => {
  const found = Object.entries(template.findResources(type));
  expect(found).toHaveLength(1);
  return { logicalId: found[0][0], ...found[0][1] };
};

describe('snapStart: true', () => {
  const { stack, llm, template } = build();
  const fn = onlyResource(template, 'AWS::Lambda::Function');
  const version = onlyResource(template, 'AWS::Lambda::Version');
  const alias = onlyResource(template, 'AWS::Lambda::Alias');

  test('SnapStart on published versions, set on the function resource', () => {
    expect(fn.Properties.SnapStart).toEqual({ ApplyOn: 'PublishedVersions' });
  });

  test('a version of the current configuration, deleted (not retained) when replaced, and the alias "live" on it', () => {
    expect(version.Properties.FunctionName).toEqual({ Ref: fn.logicalId });
    expect(version.DeletionPolicy).toBe('Delete');
    expect(alias.Properties).toMatchObject({ Name: 'live', FunctionName: { Ref: fn.logicalId }, FunctionVersion: { 'Fn::GetAtt': [version.logicalId, 'Version'] } });
    expect(llm.alias?.aliasName).toBe('live');
  });

  test('the Function URL targets the alias, so callers always reach the snapshotted version', () => {
    const url = onlyResource(template, 'AWS::Lambda::Url');
    // CloudFormation names an alias's URL by the function and the alias as its qualifier.
    expect(url.Properties).toMatchObject({ AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', TargetFunctionArn: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, Qualifier: 'live' });
    expect(url.DependsOn).toContain(alias.logicalId);
    expect(stack.resolve(llm.url)).toEqual({ 'Fn::GetAtt': [url.logicalId, 'FunctionUrl'] });
  });

  test('grantInvokeUrl allows the alias, not $LATEST', () => {
    const grantStack = newStack();
    const granted = new LlmFunctionUrl(grantStack, 'Llm', { model: urlModel(), snapStart: true });
    const role = new iam.Role(grantStack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    granted.grantInvokeUrl(role);
    const policy = Object.values(Template.fromStack(grantStack).findResources('AWS::IAM::Policy'))
      .find((p) => JSON.stringify(p.Properties.Roles).includes('Caller'))!;
    const resources = policy.Properties.PolicyDocument.Statement.flatMap((s: any) => [s.Resource].flat());
    expect(resources.length).toBeGreaterThan(0);
    for (const resource of resources) expect(JSON.stringify(resource)).toContain('LlmLiveAlias');
  });

  test('Lambda metrics are the alias\'s (Resource dimension), the runtime\'s keep the function name', () => {
    expect(stack.resolve(llm.metricErrors().dimensions)).toEqual({
      FunctionName: { Ref: fn.logicalId },
      Resource: { 'Fn::Join': ['', [{ Ref: fn.logicalId }, ':live']] },
    });
    expect(stack.resolve(llm.metricTimeToFirstToken().dimensions)).toEqual({ FunctionName: { Ref: fn.logicalId } });
  });

  test('the Web Adapter\'s hook variables point at the server\'s hook routes', () => {
    expect(fn.Properties.Environment.Variables).toMatchObject({
      [RuntimeEnv.SNAPSTART_BEFORE_CHECKPOINT_PATH]: SnapStartHookPath.BEFORE_CHECKPOINT,
      [RuntimeEnv.SNAPSTART_AFTER_RESTORE_PATH]: SnapStartHookPath.AFTER_RESTORE,
    });
  });

  test('the image is built from the labelled Dockerfile stage; /tmp stays at 512 MB', () => {
    const [source] = dockerImageSources(stack);
    expect(source.dockerBuildTarget).toBe(SNAPSTART_BUILD_TARGET);
    expect(fn.Properties.EphemeralStorage).toEqual({ Size: 512 });
  });

  test('AwsSolutions finds nothing, without any acknowledgement', () => {
    const app = stack.node.root as App;
    const violations = new AwsSolutionsChecks(app).validateScope(app).violations;
    expect(violations.map((v) => v.ruleName)).toEqual([]);
  });
});

describe('snapStart off (the default)', () => {
  const stack = newStack();
  const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel() });
  const template = Template.fromStack(stack);

  test('no SnapStart, no version, no alias; the URL on the function; the plain image stage; no hook variables', () => {
    const fn = onlyResource(template, 'AWS::Lambda::Function');
    expect(fn.Properties.SnapStart).toBeUndefined();
    template.resourceCountIs('AWS::Lambda::Version', 0);
    template.resourceCountIs('AWS::Lambda::Alias', 0);
    template.hasResourceProperties('AWS::Lambda::Url', { TargetFunctionArn: { 'Fn::GetAtt': [fn.logicalId, 'Arn'] }, Qualifier: Match.absent() });
    expect(llm.alias).toBeUndefined();
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toEqual(expect.arrayContaining([RuntimeEnv.SNAPSTART_BEFORE_CHECKPOINT_PATH]));
    expect(Object.keys(fn.Properties.Environment.Variables).filter((name) => name.startsWith('AWS_LWA_SNAPSTART'))).toEqual([]);
    expect(dockerImageSources(stack)[0].dockerBuildTarget).toBeUndefined();
  });
});

describe('combinations Lambda refuses are synth errors naming the props', () => {
  test('a model fetched into /tmp from S3 (LlmModel.fromBucket)', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models');
    expect(() => new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.mebibytes(1069) }), snapStart: true }))
      .toThrow(/Test\/Llm: snapStart: LlmModel\.fromBucket downloads the 1069 MB model into \/tmp at start, and SnapStart allows at most 512 MB of \/tmp; bake the model into the image with LlmModel\.fromFile or LlmModel\.fromUrl/);
  });

  test('ephemeralStorageSize above 512 MB', () => {
    expect(() => build({ ephemeralStorageSize: Size.mebibytes(1024) }))
      .toThrow(/ephemeralStorageSize: 1024 MB is more than the 512 MB of \/tmp that SnapStart allows/);
    expect(() => build({ ephemeralStorageSize: Size.mebibytes(512) })).not.toThrow();
  });

  test('ephemeralStorageSize as a token', () => {
    const stack = newStack();
    const size = Size.mebibytes(new CfnParameter(stack, 'Tmp', { type: 'Number' }).valueAsNumber);
    expect(() => build({ ephemeralStorageSize: size }, stack)).toThrow(/ephemeralStorageSize: must be known at synth with snapStart/);
  });

  test.each(['ap-southeast-6', 'ap-east-2'])('a region without SnapStart (%s)', (region) => {
    expect(() => build({}, newStack('Test', region))).toThrow(new RegExp(`snapStart: Lambda offers no SnapStart in ${region}`));
  });

  test('the region check needs a concrete region: a region-agnostic stack synthesizes', () => {
    const stack = new Stack(new App({ outdir: (newStack().node.root as App).outdir }), 'Agnostic');
    expect(() => new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), snapStart: true })).not.toThrow();
  });
});

describe('turning snapStart on or off replaces the Function URL (documented on the prop and in README)', () => {
  test('the AWS::Lambda::Url resource has another logical id, so CloudFormation creates a new URL', () => {
    const urlId = (snapStart: boolean) => onlyResource(build({ snapStart }).template, 'AWS::Lambda::Url').logicalId;
    expect(urlId(true)).not.toEqual(urlId(false));
  });
});
