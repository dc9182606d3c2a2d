import * as fs from 'fs';
import * as path from 'path';
import { App, Size, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack, writeSmallModel } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmImage, LlmModel } from '../../src';

afterAll(cleanTempDirs);

const urlModel = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069) });
const DIGEST = `sha256:${'c'.repeat(64)}`;

describe('the construct is IGrantable through its role', () => {
  test('bucket.grantRead(llm) gives the execution role read access', () => {
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel() });
    const bucket = new s3.Bucket(stack, 'Documents');
    bucket.grantRead(llm);
    expect(llm.grantPrincipal).toBe(llm.role);
    const template = Template.fromStack(stack);
    const roleId = Object.keys(template.findResources('AWS::IAM::Role'))[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: Match.arrayWith(['s3:GetObject*']) })]) },
    });
  });
});

describe('bring your own role, log group and function name', () => {
  test('an imported role gets the construct\'s managed policy with exactly the runtime statements; no role is created', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::123456789012:role/team/llm-runtime');
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), role });
    expect(llm.role).toBe(role);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 0);
    template.hasResourceProperties('AWS::Lambda::Function', { Role: 'arn:aws:iam::123456789012:role/team/llm-runtime' });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: ['llm-runtime'],
      PolicyDocument: {
        Statement: [{ Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] } }],
      },
    });
  });

  test('tracing with an immutable imported role: the X-Ray statement is in the construct\'s managed policy, attached to the role', () => {
    const stack = newStack();
    const role = iam.Role.fromRoleArn(stack, 'Given', 'arn:aws:iam::123456789012:role/team/llm-runtime', { mutable: false });
    new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), role, tracing: lambda.Tracing.ACTIVE });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.hasResourceProperties('AWS::Lambda::Function', { TracingConfig: { Mode: 'Active' } });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: ['llm-runtime'],
      PolicyDocument: {
        Statement: Match.arrayWith([{ Sid: 'WriteTraces', Effect: 'Allow', Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'], Resource: '*' }]),
      },
    });
  });

  test('tracing with the construct\'s own role: the statement is in the managed policy only (no inline copy), and only with tracing on', () => {
    const traced = newStack();
    new LlmFunctionUrl(traced, 'Llm', { model: urlModel(), tracing: lambda.Tracing.ACTIVE });
    const template = Template.fromStack(traced);
    template.resourceCountIs('AWS::IAM::Policy', 0);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    const policyId = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))[0];
    expect(fn.DependsOn).toEqual(expect.arrayContaining([policyId])); // Lambda checks the X-Ray permission when it creates the function
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'WriteTraces' })]) } });
    for (const tracing of [undefined, lambda.Tracing.DISABLED]) {
      const untraced = newStack();
      new LlmFunctionUrl(untraced, 'Llm', { model: urlModel(), tracing });
      const statements = Object.values(Template.fromStack(untraced).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
      expect(statements.map((st: { Sid: string }) => st.Sid)).toEqual(['WriteLogs']);
    }
  });

  test('a role with a permissions boundary keeps it', () => {
    const stack = newStack();
    const boundary = iam.ManagedPolicy.fromManagedPolicyName(stack, 'Boundary', 'developer-boundary');
    const role = new iam.Role(stack, 'TeamRole', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'), permissionsBoundary: boundary });
    new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), role });
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::IAM::Role', 1);
    template.hasResourceProperties('AWS::IAM::Role', { PermissionsBoundary: Match.anyValue() });
  });

  test('a given log group is used and written to; none is created', () => {
    const stack = newStack();
    const logGroup = new logs.LogGroup(stack, 'Central', { logGroupName: '/org/llm', retention: logs.RetentionDays.ONE_YEAR });
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), logGroup });
    expect(llm.logGroup).toBe(logGroup);
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    const id = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    expect(id).toMatch(/^Central/);
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: id } } });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: [Match.objectLike({ Sid: 'WriteLogs', Resource: { 'Fn::GetAtt': [id, 'Arn'] } })] },
    });
  });

  test('logRetention with a given log group is refused (the construct does not change what it does not own)', () => {
    const stack = newStack();
    const logGroup = new logs.LogGroup(stack, 'Central');
    expect(() => new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), logGroup, logRetention: logs.RetentionDays.ONE_DAY }))
      .toThrow(/Test\/Llm: logRetention: set it on the given logGroup instead/);
  });

  test('functionName is passed through, and a name Lambda would refuse is refused at synth', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), functionName: 'team-llm_1' });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { FunctionName: 'team-llm_1' });
    expect(() => new LlmFunctionUrl(newStack(), 'Llm', { model: urlModel(), functionName: 'team llm' }))
      .toThrow('Test/Llm: functionName: "team llm" is not 1-64 letters, digits, hyphens or underscores');
  });
});

describe('an apiKeySecret of your own', () => {
  const readKeyResource = (secret: (stack: Stack) => secretsmanager.ISecret) => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), authType: lambda.FunctionUrlAuthType.NONE, reservedConcurrentExecutions: 1, apiKeySecret: secret(stack) });
    const statements = Object.values(Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy'))[0].Properties.PolicyDocument.Statement;
    return stack.resolve(statements.find((st: { Sid: string }) => st.Sid === 'ReadApiKey').Resource);
  };
  const FULL_ARN = 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:team/llm-key-AbC123';

  test('imported by its full ARN: the role may read exactly that secret', () => {
    expect(readKeyResource((stack) => secretsmanager.Secret.fromSecretCompleteArn(stack, 'Key', FULL_ARN))).toBe(FULL_ARN);
  });

  test('imported by name: the ARN lacks the random suffix, so the grant adds its six characters as a wildcard', () => {
    expect(readKeyResource((stack) => secretsmanager.Secret.fromSecretNameV2(stack, 'Key', 'team/llm-key')))
      .toEqual({ 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:eu-west-1:123456789012:secret:team/llm-key-??????']] });
  });
});

describe('a prebuilt image (LlmImage.fromEcr)', () => {
  const withImage = (props: Partial<LlmFunctionUrlProps>) => {
    const stack = newStack();
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'llm-runtime');
    const llm = new LlmFunctionUrl(stack, 'Llm', {
      model: LlmModel.fromImage({ size: Size.mebibytes(1069), kvCacheBytesPerToken: 28_672 }),
      image: LlmImage.fromEcr(repository, { tagOrDigest: DIGEST }),
      ...props,
    });
    return { stack, llm };
  };

  test('runs the image by digest, builds nothing, and sizes from the given model size and KV shape', () => {
    const { stack, llm } = withImage({});
    const assembly = (stack.node.root as App).synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(assembly.directory, `${stack.artifactId}.assets.json`), 'utf8'));
    expect(manifest.dockerImages ?? {}).toEqual({});
    expect(fs.existsSync(path.join(assembly.directory, 'llm-function-url'))).toBe(false);
    const template = Template.fromStack(stack);
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toContain(`llm-runtime@${DIGEST}`);
    expect(fn.Properties.Environment.Variables).toMatchObject({ LLM_MODEL_PATH: '/opt/model/model.gguf', LLM_MODEL_ID: 'model' });
    expect(llm.memorySize).toBe(3584);
    expect(llm.threads).toBe(2);
  });

  test('serves a model from S3 with an image built without one', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models');
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'llm-runtime');
    new LlmFunctionUrl(stack, 'Llm', {
      model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1) }),
      image: LlmImage.fromEcr(repository, { tagOrDigest: 'v1.2.3' }),
    });
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    expect(JSON.stringify(fn.Properties.Code.ImageUri)).toContain('llm-runtime:v1.2.3');
    expect(fn.Properties.Environment.Variables.LLM_MODEL_S3_KEY).toBe('m.gguf');
  });

  test('combinations in which a prop would be ignored are refused, naming the prop', () => {
    expect(() => withImage({ model: urlModel() })).toThrow(/Test\/Llm: model: LlmModel.fromFile and LlmModel.fromUrl build the model into an image during cdk deploy/);
    expect(() => withImage({ model: LlmModel.fromFile(writeSmallModel()) })).toThrow(/with image, use LlmModel.fromImage/);
    expect(() => withImage({ baseImage: 'mirror.example.com/node:22' })).toThrow(/Test\/Llm: baseImage: applies only when the construct builds the image/);
    expect(() => withImage({ lambdaWebAdapterImage: 'mirror.example.com/lwa:1' })).toThrow(/lambdaWebAdapterImage: applies only when/);
    expect(() => new LlmFunctionUrl(newStack(), 'Llm', { model: LlmModel.fromImage({ size: Size.gibibytes(1) }) }))
      .toThrow(/Test\/Llm: model: LlmModel.fromImage serves the model inside a prebuilt image, but no image is given/);
  });

  test('a tag or digest ECR would not accept is refused', () => {
    const stack = newStack();
    const repository = ecr.Repository.fromRepositoryName(stack, 'Repo', 'llm-runtime');
    expect(() => LlmImage.fromEcr(repository, { tagOrDigest: 'sha256:abc' })).toThrow(/tagOrDigest "sha256:abc" is neither an image tag .* nor a digest/);
    expect(() => LlmImage.fromEcr(repository, { tagOrDigest: '' })).toThrow(/tagOrDigest "" is neither/);
  });
});

describe('fromBucket pins what runs', () => {
  test('objectVersion: the runtime gets the version id and the role may read that version only', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models', { versioned: true });
    new LlmFunctionUrl(stack, 'Llm', {
      model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1), objectVersion: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', sha256: EXAMPLE_SHA256.toUpperCase() }),
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LLM_MODEL_S3_VERSION_ID: '3HL4kqtJlcpXroDTDmJ.rmSpXd3dIbrHY', LLM_MODEL_SHA256: EXAMPLE_SHA256 }) },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'ReadModelObject', Action: 's3:GetObjectVersion' })]) },
    });
  });

  test('without a pin nothing is added', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromBucket(new s3.Bucket(stack, 'Models'), 'm.gguf', { size: Size.gibibytes(1) }) });
    const vars = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;
    expect(vars.LLM_MODEL_S3_VERSION_ID).toBeUndefined();
    expect(vars.LLM_MODEL_SHA256).toBeUndefined();
  });

  test('a checksum or version id of the wrong form is refused', () => {
    const bucket = s3.Bucket.fromBucketName(newStack(), 'B', 'models');
    expect(() => LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1), sha256: 'abc' }))
      .toThrow('LlmModel.fromBucket: sha256 "abc" is not a SHA-256 (expected 64 hexadecimal characters, got 3 characters)');
    expect(() => LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1), objectVersion: 'has space' }))
      .toThrow(/LlmModel.fromBucket: objectVersion "has space" is not an S3 version id/);
  });

  test('KMS: a bucket imported with its key gets kms:Decrypt; one imported by name does not (documented)', () => {
    const stack = newStack();
    const key = kms.Key.fromKeyArn(stack, 'Key', 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555');
    const withKey = s3.Bucket.fromBucketAttributes(stack, 'WithKey', { bucketName: 'models-a', encryptionKey: key });
    const byName = s3.Bucket.fromBucketName(stack, 'ByName', 'models-b');
    new LlmFunctionUrl(stack, 'A', { model: LlmModel.fromBucket(withKey, 'm.gguf', { size: Size.gibibytes(1) }) });
    new LlmFunctionUrl(stack, 'B', { model: LlmModel.fromBucket(byName, 'm.gguf', { size: Size.gibibytes(1) }) });
    const statementsOf = (prefix: string) => {
      const policies = Template.fromStack(stack).findResources('AWS::IAM::ManagedPolicy');
      const [, policy] = Object.entries(policies).find(([id]) => id.startsWith(prefix))!;
      return policy.Properties.PolicyDocument.Statement as Array<{ Sid: string; Resource: unknown }>;
    };
    expect(statementsOf('A')).toEqual(expect.arrayContaining([
      expect.objectContaining({ Sid: 'DecryptModelObject', Resource: 'arn:aws:kms:eu-west-1:123456789012:key/11111111-2222-3333-4444-555555555555' }),
    ]));
    expect(statementsOf('B').map((s) => s.Sid)).not.toContain('DecryptModelObject');
  });
});
