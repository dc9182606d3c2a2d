import * as fs from 'fs';
import * as path from 'path';
import { Duration, Size } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { cleanTempDirs, dockerImageSources, EXAMPLE_SHA256, EXAMPLE_URL, newStack, writeSmallModel } from './fixtures';
import { LlmFunctionUrl, LlmModel } from '../../src';

afterAll(cleanTempDirs);

const urlModel = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.mebibytes(1069) });

describe('defaults', () => {
  const stack = newStack();
  new LlmFunctionUrl(stack, 'Llm', { model: urlModel() });
  const template = Template.fromStack(stack);

  test('IAM auth and response streaming', () => {
    template.resourceCountIs('AWS::Lambda::Url', 1);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'AWS_IAM', InvokeMode: 'RESPONSE_STREAM', Cors: Match.absent() });
  });

  test('an arm64 image function sized by the tuner, without reserved concurrency or tracing', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      PackageType: 'Image',
      Architectures: ['arm64'],
      MemorySize: 3584,
      Timeout: 340,
      EphemeralStorage: { Size: 512 },
      ReservedConcurrentExecutions: Match.absent(),
      TracingConfig: Match.absent(),
    });
  });

  test('the runtime environment follows the props', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: {
          LLM_MODEL_PATH: '/opt/model/model.gguf',
          LLM_MODEL_ID: 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M',
          LLM_CONTEXT_SIZE: '4096',
          LLM_THREADS: '2',
          LLM_MAX_TOKENS: '2048',
          LLM_LOG_PROMPTS: 'false',
          LLM_ISOLATE_REQUESTS: 'false',
          LLM_METRICS_NAMESPACE: 'LlmFunctionUrl',
          AWS_LWA_INVOKE_MODE: 'response_stream',
          LLM_TRUST_LAMBDA_CONTEXT: 'true',
        },
      },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(Object.keys(fn.Properties.Environment.Variables)).not.toContain('LLM_API_KEY_SECRET_ARN');
  });

  test('an explicit log group with one month of retention, used by the function', () => {
    template.resourceCountIs('AWS::Logs::LogGroup', 1);
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 30 });
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', { LoggingConfig: { LogGroup: { Ref: logGroupId } } });
  });

  test('a role of its own: no inline and no AWS managed policy; one customer-managed policy of the construct, writing to that log group only', () => {
    const logGroupId = Object.keys(template.findResources('AWS::Logs::LogGroup'))[0];
    template.resourceCountIs('AWS::IAM::Role', 1);
    const roleId = Object.keys(template.findResources('AWS::IAM::Role'))[0];
    template.hasResourceProperties('AWS::IAM::Role', {
      ManagedPolicyArns: Match.absent(),
      Policies: Match.absent(),
      AssumeRolePolicyDocument: { Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })] },
    });
    template.resourceCountIs('AWS::IAM::Policy', 0);
    template.resourceCountIs('AWS::IAM::ManagedPolicy', 1);
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      Roles: [{ Ref: roleId }],
      PolicyDocument: {
        Statement: [{
          Sid: 'WriteLogs',
          Effect: 'Allow',
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Resource: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
        }],
      },
    });
    // The function is created after the policy is attached, so its first cold start has its permissions.
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.DependsOn).toEqual(expect.arrayContaining([Object.keys(template.findResources('AWS::IAM::ManagedPolicy'))[0]]));
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
  });

  test('the construct reports what it picked', () => {
    const llm = new LlmFunctionUrl(newStack(), 'Llm', { model: urlModel() });
    expect(llm.memorySize).toBe(3584);
    expect(llm.threads).toBe(2);
    expect(llm.timeout.toSeconds()).toBe(340);
    expect(llm.ephemeralStorageSize.toMebibytes()).toBe(512);
    expect(llm.contextSize).toBe(4096);
    expect(llm.maxTokens).toBe(2048);
    expect(llm.apiKeySecret).toBeUndefined();
    expect(llm.url).toBe(llm.functionUrl.url);
  });
});

describe('model sources', () => {
  test('fromFile stages the model into the build context and builds with MODEL_SOURCE=file', () => {
    const modelFile = writeSmallModel();
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromFile(modelFile) });
    const [image] = dockerImageSources(stack);
    // The size synth read is the build's limit: a file that grew before the image build is refused there.
    expect(image.dockerBuildArgs).toEqual({ MODEL_SOURCE: 'file', MODEL_FILE: 'model.gguf', MODEL_MAX_BYTES: String(fs.statSync(modelFile).size) });
    expect(image.platform).toBe('linux/arm64');
    expect(fs.readFileSync(path.join(image.directory, 'model.gguf')).equals(fs.readFileSync(modelFile))).toBe(true);
    expect(fs.existsSync(path.join(image.directory, 'Dockerfile'))).toBe(true);
    expect(fs.existsSync(path.join(image.directory, 'node_modules'))).toBe(false);
    expect(fs.existsSync(path.join(image.directory, 'src'))).toBe(false);
    // The header gave the exact KV cache: 28 layers x 2 KV heads x 256 x 2 bytes = 28 KiB per token.
    expect(llm.memorySize).toBe(3584);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LLM_MODEL_PATH: '/opt/model/model.gguf', LLM_MODEL_ID: 'DeepSeek-R1-Distill-Qwen-1.5B-Q4_K_M' }) },
    });
  });

  test('the image asset hash changes with the model and only with it', () => {
    const hashOf = (file: string) => {
      const stack = newStack();
      new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromFile(file) });
      return path.basename(dockerImageSources(stack)[0].directory);
    };
    const model = writeSmallModel();
    const copy = writeSmallModel();
    const changed = writeSmallModel();
    fs.appendFileSync(changed, 'x');
    expect(hashOf(model)).toBe(hashOf(copy));
    expect(hashOf(model)).not.toBe(hashOf(changed));
  });

  test('fromUrl passes URL, checksum and the declared size as build args; nothing is staged but the runtime', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), architecture: lambda.Architecture.X86_64 });
    const [image] = dockerImageSources(stack);
    // The function is sized for the declared size: the build refuses a larger file (test/model-source/build-time-model.test.ts).
    expect(image.dockerBuildArgs).toEqual({ MODEL_SOURCE: 'url', MODEL_URL: EXAMPLE_URL, MODEL_SHA256: EXAMPLE_SHA256, MODEL_MAX_BYTES: String(1069 * 1024 * 1024) });
    expect(image.platform).toBe('linux/amd64');
    expect(fs.existsSync(path.join(image.directory, 'model.gguf'))).toBe(false);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', { Architectures: ['x86_64'] });
  });

  test('fromUrl with allowUnverified builds without a checksum, and says so', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromUrl(EXAMPLE_URL, { allowUnverified: true, size: Size.gibibytes(1) }) });
    expect(dockerImageSources(stack)[0].dockerBuildArgs).toEqual({ MODEL_SOURCE: 'url', MODEL_URL: EXAMPLE_URL, MODEL_ALLOW_UNVERIFIED: 'true', MODEL_MAX_BYTES: String(1024 ** 3) });
  });

  test('base and adapter images can point at a mirror', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', {
      model: urlModel(),
      baseImage: 'mirror.example.com/library/node:20-bookworm-slim',
      lambdaWebAdapterImage: 'mirror.example.com/awsguru/aws-lambda-adapter:0.9.1',
    });
    expect(dockerImageSources(stack)[0].dockerBuildArgs).toMatchObject({
      BASE_IMAGE: 'mirror.example.com/library/node:20-bookworm-slim',
      LWA_IMAGE: 'mirror.example.com/awsguru/aws-lambda-adapter:0.9.1',
    });
  });

  test('fromBucket: env, read access to exactly that object, and /tmp sized for the model', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models');
    new LlmFunctionUrl(stack, 'Llm', {
      model: LlmModel.fromBucket(bucket, 'gguf/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf', { size: Size.bytes(4.92e9), kvCacheBytesPerToken: 131_072 }),
    });
    expect(dockerImageSources(stack)[0].dockerBuildArgs).toEqual({ MODEL_SOURCE: 'none' });
    const template = Template.fromStack(stack);
    const bucketId = Object.keys(template.findResources('AWS::S3::Bucket'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 6208,
      Timeout: 900,
      EphemeralStorage: { Size: 5248 },
      Environment: {
        Variables: Match.objectLike({
          LLM_MODEL_S3_BUCKET: { Ref: bucketId },
          LLM_MODEL_S3_KEY: 'gguf/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf',
          LLM_MODEL_ID: 'DeepSeek-R1-Distill-Llama-8B-Q4_K_M',
          LLM_THREADS: '3',
        }),
      },
    });
    const fn = Object.values(template.findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.Environment.Variables.LLM_MODEL_PATH).toBeUndefined();
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([{
          Sid: 'ReadModelObject',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, '/gguf/DeepSeek-R1-Distill-Llama-8B-Q4_K_M.gguf']] },
        }]),
      },
    });
  });

  test('fromBucket with a KMS-encrypted bucket may decrypt with that key', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'Models', { encryption: s3.BucketEncryption.KMS });
    new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(1) }) });
    const keyId = Object.keys(Template.fromStack(stack).findResources('AWS::KMS::Key'))[0];
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Sid: 'DecryptModelObject', Effect: 'Allow', Action: 'kms:Decrypt', Resource: { 'Fn::GetAtt': [keyId, 'Arn'] } }]) },
    });
  });
});

describe('props', () => {
  test('explicit sizes, invoke mode, concurrency, retention, tracing and environment pass through', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', {
      model: urlModel(),
      memorySize: 10_240,
      timeout: Duration.minutes(2),
      ephemeralStorageSize: Size.gibibytes(2),
      contextSize: 8192,
      maxTokens: 1024,
      threads: 4,
      modelId: 'deepseek-r1:1.5b',
      invokeMode: lambda.InvokeMode.BUFFERED,
      reservedConcurrentExecutions: 3,
      logRetention: logs.RetentionDays.ONE_WEEK,
      tracing: lambda.Tracing.ACTIVE,
      logPrompts: true,
      isolateRequests: true,
      metricsNamespace: 'MyTeam/Llm',
      queueSize: 0,
      maxGenerationTime: Duration.seconds(90),
      deadlineMargin: Duration.seconds(3),
      maxRequestBodySize: Size.kibibytes(256),
      environment: { TEAM: 'llm', constructor: 'an ordinary name' },
      description: 'my model',
    });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Function', {
      MemorySize: 10_240,
      Timeout: 120,
      EphemeralStorage: { Size: 2048 },
      ReservedConcurrentExecutions: 3,
      TracingConfig: { Mode: 'Active' },
      Description: 'my model',
      Environment: {
        Variables: Match.objectLike({
          LLM_CONTEXT_SIZE: '8192',
          LLM_MAX_TOKENS: '1024',
          LLM_THREADS: '4',
          LLM_MODEL_ID: 'deepseek-r1:1.5b',
          LLM_LOG_PROMPTS: 'true',
          LLM_ISOLATE_REQUESTS: 'true',
          LLM_METRICS_NAMESPACE: 'MyTeam/Llm',
          LLM_QUEUE_SIZE: '0',
          LLM_MAX_GENERATION_SECONDS: '90',
          LLM_DEADLINE_MARGIN_MS: '3000',
          LLM_MAX_BODY_BYTES: '262144',
          TEAM: 'llm',
          constructor: 'an ordinary name',
          AWS_LWA_INVOKE_MODE: 'buffered',
        }),
      },
    });
    template.hasResourceProperties('AWS::Lambda::Url', { InvokeMode: 'BUFFERED' });
    template.hasResourceProperties('AWS::Logs::LogGroup', { RetentionInDays: 7 });
  });

  test('threads alone raise the tuned memory to that many vCPUs', () => {
    const llm = new LlmFunctionUrl(newStack(), 'Llm', { model: urlModel(), threads: 4 });
    expect(llm.memorySize).toBe(7104);
    expect(llm.threads).toBe(4);
  });

  test('CORS options pass through unchanged', () => {
    const stack = newStack();
    new LlmFunctionUrl(stack, 'Llm', {
      model: urlModel(),
      cors: { allowedOrigins: ['https://app.example.com'], allowedMethods: [lambda.HttpMethod.POST], allowedHeaders: ['authorization', 'content-type'] },
    });
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Url', {
      Cors: { AllowOrigins: ['https://app.example.com'], AllowMethods: ['POST'], AllowHeaders: ['authorization', 'content-type'] },
    });
  });

  test('grantInvokeUrl allows lambda:InvokeFunctionUrl (with the IAM auth condition) on the function', () => {
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel() });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });
    llm.grantInvokeUrl(caller);
    const template = Template.fromStack(stack);
    const functionId = Object.keys(template.findResources('AWS::Lambda::Function'))[0];
    template.hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Object.keys(template.findResources('AWS::IAM::Role', { Properties: { Description: Match.absent() } }))[0] }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          {
            Action: 'lambda:InvokeFunctionUrl',
            Condition: { StringEquals: { 'lambda:FunctionUrlAuthType': 'AWS_IAM' } },
            Effect: 'Allow',
            Resource: { 'Fn::GetAtt': [functionId, 'Arn'] },
          },
        ]),
      },
    });
  });
});

describe('NONE auth and the bearer key', () => {
  test('NONE generates a key secret, lets the function read only that secret, and passes its ARN', () => {
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), authType: lambda.FunctionUrlAuthType.NONE, reservedConcurrentExecutions: 2 });
    const template = Template.fromStack(stack);
    template.hasResourceProperties('AWS::Lambda::Url', { AuthType: 'NONE' });
    template.resourceCountIs('AWS::SecretsManager::Secret', 1);
    template.hasResourceProperties('AWS::SecretsManager::Secret', {
      GenerateSecretString: { PasswordLength: 48, ExcludePunctuation: true, IncludeSpace: false },
    });
    const secretId = Object.keys(template.findResources('AWS::SecretsManager::Secret'))[0];
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ LLM_API_KEY_SECRET_ARN: { Ref: secretId } }) },
    });
    template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
      PolicyDocument: { Statement: Match.arrayWith([{ Sid: 'ReadApiKey', Effect: 'Allow', Action: 'secretsmanager:GetSecretValue', Resource: { Ref: secretId } }]) },
    });
    expect(llm.apiKeySecret).toBeDefined();
    expect(Annotations.fromStack(stack).findWarning('*', Match.stringLikeRegexp('.*'))).toEqual([]);
  });

  test('a given secret is used instead of generating one', () => {
    const stack = newStack();
    const secret = new secretsmanager.Secret(stack, 'MyKey');
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: urlModel(), authType: lambda.FunctionUrlAuthType.NONE, apiKeySecret: secret, reservedConcurrentExecutions: 1 });
    expect(llm.apiKeySecret).toBe(secret);
    Template.fromStack(stack).resourceCountIs('AWS::SecretsManager::Secret', 1);
  });

  test('requireApiKey false makes a public endpoint, with warnings about the open URL, CORS * and the missing concurrency cap', () => {
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', {
      model: urlModel(),
      authType: lambda.FunctionUrlAuthType.NONE,
      requireApiKey: false,
      cors: { allowedOrigins: ['*'] },
    });
    expect(llm.apiKeySecret).toBeUndefined();
    const template = Template.fromStack(stack);
    template.resourceCountIs('AWS::SecretsManager::Secret', 0);
    const warnings = Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/authType NONE with requireApiKey false: the URL answers anyone who finds it/),
      expect.stringMatching(/authType NONE with cors.allowedOrigins "\*" and no API key/),
      expect.stringMatching(/authType NONE without reservedConcurrentExecutions/),
    ]));
  });
});
