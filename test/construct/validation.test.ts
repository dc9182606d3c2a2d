import { Duration, Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

afterAll(cleanTempDirs);

const model = (gib = 1) => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(gib) });
const build = (props: Partial<LlmFunctionUrlProps>) => () => new LlmFunctionUrl(newStack(), 'Llm', { model: model(), ...props });

describe('synth-time validation names the prop, the value and the limit', () => {
  test.each([
    ['memorySize above Lambda\'s maximum', { memorySize: 20_000 }, /Test\/Llm: memorySize: 20000 MB is not a whole number in 128-10240 MB/],
    ['memorySize below Lambda\'s minimum', { memorySize: 64 }, /memorySize: 64 MB is not a whole number in 128-10240 MB/],
    ['memorySize too small for the model', { memorySize: 1024 }, /memorySize: 1024 MB cannot hold the model: the 1024 MB model file plus 256 MB of KV cache for contextSize 4096 need at least 1536 MB \(Lambda's limit: 10240 MB\)/],
    ['timeout above 15 minutes', { timeout: Duration.minutes(20) }, /timeout: 1200 s is outside Lambda's range of 1-900 s \(15 minutes\)/],
    ['/tmp below 512 MB', { ephemeralStorageSize: Size.mebibytes(256) }, /ephemeralStorageSize: 256 MB is not a whole number in 512-10240 MB/],
    ['/tmp above 10 GB', { ephemeralStorageSize: Size.gibibytes(11) }, /ephemeralStorageSize: 11264 MB is not a whole number in 512-10240 MB/],
    ['threads above 6', { threads: 8 }, /threads: 8 is not a whole number in 1-6 \(Lambda gives at most 6 vCPUs\)/],
    ['contextSize below 64', { contextSize: 16 }, /contextSize: 16 tokens is not a whole number in 64-1048576 tokens/],
    ['maxTokens above contextSize', { maxTokens: 8192 }, /maxTokens: 8192 tokens is not a whole number in 1-4096 tokens \(an answer cannot be longer than contextSize 4096\)/],
    ['modelId the runtime would refuse', { modelId: 'my model' }, /modelId: "my model" is not 1-128 letters, digits/],
    ['metrics namespace in AWS/', { metricsNamespace: 'AWS/Lambda' }, /metricsNamespace: "AWS\/Lambda" is not a CloudWatch namespace/],
    ['environment overriding a prop', { environment: { LLM_THREADS: '9' } }, /environment: LLM_THREADS is read by the runtime or the Lambda Web Adapter; set it through the construct's props/],
    ['a secret while requireApiKey is false', { authType: lambda.FunctionUrlAuthType.NONE, requireApiKey: false, apiKeySecret: {} as secretsmanager.ISecret }, /Test\/Llm: apiKeySecret: a secret is given but requireApiKey is false/],
    ['negative reserved concurrency', { reservedConcurrentExecutions: -1 }, /reservedConcurrentExecutions: -1 is not a whole number of at least 0/],
  ])('%s', (_name, props, message) => {
    expect(build(props as Partial<LlmFunctionUrlProps>)).toThrow(message);
  });

  test('a model too big for Lambda memory', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    expect(() => new LlmFunctionUrl(stack, 'Llm', { model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(9.9) }) }))
      .toThrow(/model: the 10138 MB model file plus 2535 MB of KV cache for contextSize 4096 need at least 12929 MB, more than Lambda's memory limit of 10240 MB/);
  });

  test('a model too big for a container image', () => {
    expect(() => new LlmFunctionUrl(newStack(), 'Llm', { model: LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(9.8), kvCacheBytesPerToken: 1024 }) }))
      .toThrow(/model: a 10036 MB model plus the ~400 MB runtime exceeds Lambda's container image limit of 10240 MB; serve it with LlmModel.fromBucket/);
  });

  test('a bucket model bigger than /tmp can hold', () => {
    const stack = newStack();
    const bucket = new s3.Bucket(stack, 'B');
    expect(() => new LlmFunctionUrl(stack, 'Llm', {
      model: LlmModel.fromBucket(bucket, 'm.gguf', { size: Size.gibibytes(6), kvCacheBytesPerToken: 1024 }),
      ephemeralStorageSize: Size.gibibytes(4),
    })).toThrow(/ephemeralStorageSize: 4096 MB cannot hold the 6144 MB model downloaded to \/tmp at start \(Lambda's limit: 10240 MB\)/);
  });

  test('allowed but questionable settings are warnings, not errors', () => {
    const stack = newStack();
    const llm = new LlmFunctionUrl(stack, 'Llm', { model: model(), memorySize: 1600, threads: 3, authType: lambda.FunctionUrlAuthType.AWS_IAM });
    expect(llm.memorySize).toBe(1600);
    const warnings = stack.node.findAll().flatMap((c) => c.node.metadata).filter((m) => m.type === 'aws:cdk:warning').map((m) => String(m.data));
    expect(warnings).toEqual(expect.arrayContaining([
      expect.stringMatching(/memorySize 1600 MB is below the 1920 MB the tuner recommends/),
      expect.stringMatching(/threads 3 exceeds the 0.90 vCPUs that 1600 MB gives/),
    ]));
  });
});

describe('model factories reject bad input before anything is built', () => {
  test('sha256 of the wrong form', () => {
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { sha256: 'abc123', size: Size.gibibytes(1) }))
      .toThrow('LlmModel.fromUrl: sha256 "abc123" is not a SHA-256 (expected 64 hexadecimal characters, got 6 characters)');
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { sha256: 'g'.repeat(64), size: Size.gibibytes(1) })).toThrow(/is not a SHA-256/);
  });

  test('a URL without a checksum unless allowUnverified', () => {
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { size: Size.gibibytes(1) }))
      .toThrow(/sha256 is required for https:\/\/models.example.com\/.* set allowUnverified: true/);
  });

  test('something that is not an http(s) URL', () => {
    expect(() => LlmModel.fromUrl('s3://bucket/model.gguf', { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) })).toThrow(/is not an http\(s\) URL/);
    expect(() => LlmModel.fromUrl('https://x.example.com/a b.gguf', { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) })).toThrow(/is not an http\(s\) URL/);
  });

  test('a size that is not positive, and a bad KV override', () => {
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.bytes(0) })).toThrow(/size: 0 bytes is not a model size/);
    expect(() => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1), kvCacheBytesPerToken: 1.5 }))
      .toThrow(/kvCacheBytesPerToken: 1.5 is not a positive whole number of bytes/);
  });

  test('a missing file, a folder, and a file that is not GGUF', () => {
    expect(() => LlmModel.fromFile('/nonexistent/model.gguf')).toThrow(/LlmModel.fromFile: cannot read \/nonexistent\/model.gguf/);
    expect(() => LlmModel.fromFile(__dirname)).toThrow(/is not a file/);
    expect(() => LlmModel.fromFile(__filename)).toThrow(/is not a GGUF model/);
  });

  test('an S3 key that is empty or absolute', () => {
    const bucket = new s3.Bucket(newStack(), 'B');
    expect(() => LlmModel.fromBucket(bucket, '/models/m.gguf', { size: Size.gibibytes(1) })).toThrow(/key "\/models\/m.gguf" is not an S3 object key/);
    expect(() => LlmModel.fromBucket(bucket, '', { size: Size.gibibytes(1) })).toThrow(/is not an S3 object key/);
  });
});
