import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';

afterAll(cleanTempDirs);

/** A 1 GiB model: the tuner's cold-start estimate is 10 s + 1024 MB / 50 MB/s = 31 s (rounded up). */
const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) });
const build = (props: Partial<LlmFunctionUrlProps>, stack: Stack = newStack()) => new LlmFunctionUrl(stack, 'Llm', { model: model(), ...props });
const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));

describe('AWS_IAM with a bearer key is refused (SigV4 occupies the Authorization header)', () => {
  test.each([
    ['requireApiKey: true', { requireApiKey: true }, /Test\/Llm: requireApiKey: a bearer key cannot be combined with authType AWS_IAM: SigV4 signing uses the Authorization header/],
    ['apiKeySecret', { apiKeySecret: {} as secretsmanager.ISecret }, /Test\/Llm: apiKeySecret: a bearer key cannot be combined with authType AWS_IAM/],
    ['explicit AWS_IAM with apiKeySecret', { authType: lambda.FunctionUrlAuthType.AWS_IAM, apiKeySecret: {} as secretsmanager.ISecret }, /every signed request would get 401/],
  ])('%s', (_name, props, message) => {
    expect(() => build(props as Partial<LlmFunctionUrlProps>)).toThrow(message);
  });

  test('NONE with a key, and AWS_IAM without one, still synthesize', () => {
    expect(build({ authType: lambda.FunctionUrlAuthType.NONE, requireApiKey: true, reservedConcurrentExecutions: 1 }).apiKeySecret).toBeDefined();
    expect(build({ requireApiKey: false }).apiKeySecret).toBeUndefined();
  });
});

describe('memorySize as a token', () => {
  test('without threads it is refused: the tuner would silently keep its own threads and timeout', () => {
    const stack = newStack();
    const memory = new CfnParameter(stack, 'Memory', { type: 'Number', default: 1792 });
    expect(() => build({ memorySize: memory.valueAsNumber }, stack))
      .toThrow(/Test\/Llm: memorySize is a token \(for example a CfnParameter\), so the threads it buys cannot be known at synth; set threads as well/);
  });

  test('with threads it is accepted: threads and timeout follow threads, and a warning gives the memory to provide', () => {
    const stack = newStack();
    const memory = new CfnParameter(stack, 'Memory', { type: 'Number', default: 1792 });
    const llm = build({ memorySize: memory.valueAsNumber, threads: 1 }, stack);
    expect(llm.threads).toBe(1);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.MemorySize).toEqual({ Ref: 'Memory' });
    expect(fn.Properties.Environment.Variables.LLM_THREADS).toBe('1');
    // One thread decodes half as fast as the default two: the tuned timeout grows accordingly (340 s with 2).
    expect(fn.Properties.Timeout).toBeGreaterThan(340);
    expect(warningsOf(stack)).toEqual(expect.arrayContaining([expect.stringMatching(/memorySize is a token: the construct cannot check that it holds the model; give it at least 1536 MB/)]));
  });
});

describe('warnings for settings that synthesize but surprise', () => {
  test('NONE without a key always warns, even with a concurrency cap and no CORS', () => {
    const stack = newStack();
    build({ authType: lambda.FunctionUrlAuthType.NONE, requireApiKey: false, reservedConcurrentExecutions: 2 }, stack);
    expect(warningsOf(stack)).toEqual([expect.stringMatching(/authType NONE with requireApiKey false: the URL answers anyone who finds it/)]);
  });

  test('a timeout shorter than the estimated cold-start load warns; a longer one does not', () => {
    const short = newStack();
    build({ timeout: Duration.seconds(20) }, short);
    expect(warningsOf(short)).toEqual([expect.stringMatching(/^timeout 20 s is shorter than the 31 s the tuner estimates for a cold start to load this model/)]);
    const enough = newStack();
    build({ timeout: Duration.seconds(60) }, enough);
    expect(warningsOf(enough)).toEqual([]);
  });
});

describe('environment: every name the runtime or the Web Adapter reads is refused', () => {
  test.each([
    ['LLM_API_KEY'], // with NONE auth this would put a plaintext key in the environment and stop the runtime
    ['LLM_QUEUE_SIZE'], // has a prop (queueSize)
    ['LLM_SOMETHING_NEW'], // a future runtime variable
    ['AWS_LWA_PORT'],
    ['AWS_LWA_READINESS_CHECK_PATH'],
    ['PORT'],
    ['HOST'],
  ])('%s', (name) => {
    expect(() => build({ authType: lambda.FunctionUrlAuthType.NONE, environment: { [name]: 'x' } }))
      .toThrow(`Test/Llm: environment: ${name} is read by the runtime or the Lambda Web Adapter; set it through the construct's props`);
  });

  test('names are matched as own properties: "constructor" or "toString" are ordinary variables', () => {
    const stack = newStack();
    build({ environment: { constructor: 'a', toString: 'b' } as unknown as { [name: string]: string } }, stack);
    Template.fromStack(stack).hasResourceProperties('AWS::Lambda::Function', {
      Environment: { Variables: Match.objectLike({ constructor: 'a', toString: 'b' }) },
    });
  });

  test('a name Lambda would refuse is refused at synth', () => {
    expect(() => build({ environment: { 'MY-VAR': 'x' } })).toThrow('Test/Llm: environment: "MY-VAR" is not a variable name Lambda accepts');
  });
});

describe('the runtime tunables are checked against their limits', () => {
  test.each([
    ['queueSize below 0', { queueSize: -1 }, 'queueSize: -1 is not a whole number in 0-10000'],
    ['maxGenerationTime beyond the timeout', { timeout: Duration.minutes(1), maxGenerationTime: Duration.minutes(2) }, 'maxGenerationTime: 120 s is outside 1-60 s (the function timeout)'],
    ['deadlineMargin not shorter than the timeout', { timeout: Duration.seconds(60), deadlineMargin: Duration.seconds(60) }, 'deadlineMargin: 60000 ms is not shorter than the function timeout of 60 s'],
    ['maxRequestBodySize above what a Function URL carries', { maxRequestBodySize: Size.mebibytes(10) }, 'maxRequestBodySize: 10485760 bytes is outside 1024-6291456 bytes'],
  ])('%s', (_name, props, message) => {
    expect(() => build(props as Partial<LlmFunctionUrlProps>)).toThrow(`Test/Llm: ${message}`);
  });
});
