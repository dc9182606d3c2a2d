import { CfnParameter, Duration, Size, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { cleanTempDirs, EXAMPLE_SHA256, EXAMPLE_URL, newStack } from './fixtures';
import { LlmFunctionUrl, LlmFunctionUrlProps, LlmModel } from '../../src';
import { RuntimeBounds } from '../../src/runtime-contract';

afterAll(cleanTempDirs);

/** A 1 GiB model: the tuner's cold-start estimate is 10 s + 1024 MB / 50 MB/s = 31 s (rounded up). */
const model = () => LlmModel.fromUrl(EXAMPLE_URL, { sha256: EXAMPLE_SHA256, size: Size.gibibytes(1) });
const build = (props: Partial<LlmFunctionUrlProps>, stack: Stack = newStack()) => new LlmFunctionUrl(stack, 'Llm', { model: model(), ...props });
const warningsOf = (stack: Stack) => Annotations.fromStack(stack).findWarning('*', Match.anyValue()).map((w) => String(w.entry.data));
const variablesOf = (stack: Stack): Record<string, unknown> =>
  Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0].Properties.Environment.Variables;

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

  test('with snapStart a short timeout does not warn: the model loads while the version is published', () => {
    const snapshotted = newStack();
    build({ timeout: Duration.seconds(20), snapStart: true }, snapshotted);
    expect(warningsOf(snapshotted)).toEqual([]);
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

  // Lambda's reserved list ("Defined runtime environment variables"): a deployment setting one fails.
  test.each([
    ['_HANDLER'], ['_X_AMZN_TRACE_ID'], ['AWS_DEFAULT_REGION'], ['AWS_REGION'], ['AWS_EXECUTION_ENV'],
    ['AWS_LAMBDA_FUNCTION_NAME'], ['AWS_LAMBDA_FUNCTION_MEMORY_SIZE'], ['AWS_LAMBDA_FUNCTION_VERSION'],
    ['AWS_LAMBDA_INITIALIZATION_TYPE'], ['AWS_LAMBDA_LOG_GROUP_NAME'], ['AWS_LAMBDA_LOG_STREAM_NAME'],
    ['AWS_ACCESS_KEY'], ['AWS_ACCESS_KEY_ID'], ['AWS_SECRET_ACCESS_KEY'], ['AWS_SESSION_TOKEN'],
    ['AWS_LAMBDA_RUNTIME_API'], ['LAMBDA_TASK_ROOT'], ['LAMBDA_RUNTIME_DIR'],
  ])('Lambda reserves %s', (name) => {
    expect(() => build({ environment: { [name]: 'x' } })).toThrow(`Test/Llm: environment: ${name} is reserved by Lambda`);
  });

  test('names on Lambda\'s unreserved list (TZ, AWS_XRAY_*, AWS_LAMBDA_EXEC_WRAPPER) are ordinary variables', () => {
    const stack = newStack();
    const environment = { TZ: 'Europe/Berlin', AWS_XRAY_CONTEXT_MISSING: 'LOG_ERROR', AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000', AWS_LAMBDA_EXEC_WRAPPER: '/opt/wrapper' };
    build({ environment }, stack);
    expect(variablesOf(stack)).toEqual(expect.objectContaining(environment));
  });
});

describe('the runtime tunables are checked against their limits', () => {
  test.each([
    ['queueSize below 0', { queueSize: -1 }, 'queueSize: -1 is not a whole number in 0-10000'],
    ['maxGenerationTime beyond the timeout', { timeout: Duration.minutes(1), maxGenerationTime: Duration.minutes(2) }, 'maxGenerationTime: 120 s is outside 1-60 s (the function timeout)'],
    ['deadlineMargin not shorter than the timeout', { timeout: Duration.seconds(60), deadlineMargin: Duration.seconds(60) }, 'deadlineMargin: 60000 ms is not shorter than the function timeout of 60 s'],
    ['maxRequestBodySize above what a Function URL carries', { maxRequestBodySize: Size.mebibytes(10) }, 'maxRequestBodySize: 10485760 bytes is outside 1024-6291456 bytes'],
    ['deadlineMargin above the runtime\'s limit, though shorter than the timeout', { timeout: Duration.minutes(15), deadlineMargin: Duration.minutes(11) }, 'deadlineMargin: 660000 ms is more than the runtime\'s limit of 600000 ms (10 minutes)'],
    ['a fractional maxGenerationTime', { maxGenerationTime: Duration.millis(1500) }, 'maxGenerationTime: 1500 ms is not a whole number of seconds (the runtime reads whole seconds)'],
    ['a fractional deadlineMargin', { deadlineMargin: Duration.millis(1.5) }, 'deadlineMargin: 1.5 ms is not a whole number of milliseconds'],
  ])('%s', (_name, props, message) => {
    expect(() => build(props as Partial<LlmFunctionUrlProps>)).toThrow(`Test/Llm: ${message}`);
  });

  // Each prop's range within the construct ends where the runtime's does (queue, margin) or where Lambda's
  // limits end first (15-minute timeout, 6 MB Function URL body); contract.test.ts ties RuntimeBounds to the runtime.
  test.each([
    ['queueSize', { queueSize: RuntimeBounds.QUEUE_SIZE.max }, { queueSize: RuntimeBounds.QUEUE_SIZE.max + 1 }, RuntimeBounds.QUEUE_SIZE],
    ['maxGenerationTime', { maxGenerationTime: Duration.seconds(900) }, { maxGenerationTime: Duration.seconds(901) }, RuntimeBounds.MAX_GENERATION_SECONDS],
    ['deadlineMargin', { deadlineMargin: Duration.millis(RuntimeBounds.DEADLINE_MARGIN_MS.max) }, { deadlineMargin: Duration.millis(RuntimeBounds.DEADLINE_MARGIN_MS.max + 1) }, RuntimeBounds.DEADLINE_MARGIN_MS],
    ['maxRequestBodySize', { maxRequestBodySize: Size.mebibytes(6) }, { maxRequestBodySize: Size.bytes(6 * 1024 * 1024 + 1) }, RuntimeBounds.MAX_BODY_BYTES],
  ])('%s: the largest value the construct writes is one the runtime accepts', (_name, largest, beyond, bounds) => {
    const stack = newStack();
    build({ timeout: Duration.minutes(15), ...largest } as Partial<LlmFunctionUrlProps>, stack);
    const written = Number(variablesOf(stack)[bounds.variable]);
    expect(written).toBeGreaterThanOrEqual(bounds.min);
    expect(written).toBeLessThanOrEqual(bounds.max);
    expect(() => build({ timeout: Duration.minutes(15), ...beyond } as Partial<LlmFunctionUrlProps>)).toThrow();
  });

  test('the runtime\'s own limits hold where they are the tighter ones: queue size and deadline margin end exactly there', () => {
    const stack = newStack();
    build({ timeout: Duration.minutes(15), queueSize: 10_000, deadlineMargin: Duration.minutes(10) }, stack);
    expect(variablesOf(stack)).toEqual(expect.objectContaining({
      LLM_QUEUE_SIZE: String(RuntimeBounds.QUEUE_SIZE.max),
      LLM_DEADLINE_MARGIN_MS: String(RuntimeBounds.DEADLINE_MARGIN_MS.max),
    }));
  });
});

describe('tunables given as tokens', () => {
  test.each([
    ['maxGenerationTime', (p: CfnParameter) => ({ maxGenerationTime: Duration.seconds(p.valueAsNumber) })],
    ['deadlineMargin', (p: CfnParameter) => ({ deadlineMargin: Duration.millis(p.valueAsNumber) })],
    ['maxRequestBodySize', (p: CfnParameter) => ({ maxRequestBodySize: Size.bytes(p.valueAsNumber) })],
  ])('%s as a token is refused (it would otherwise set no variable at all)', (name, props) => {
    const stack = newStack();
    const param = new CfnParameter(stack, 'Value', { type: 'Number', default: 60 });
    expect(() => build(props(param), stack)).toThrow(`Test/Llm: ${name}: must be known at synth (the construct checks it against the function timeout and the runtime's limits), not a token`);
  });

  test('a timeout given as a token: the tunables are checked against the runtime\'s and Lambda\'s limits only', () => {
    const stack = newStack();
    const timeout = new CfnParameter(stack, 'Timeout', { type: 'Number', default: 900 });
    build({ timeout: Duration.seconds(timeout.valueAsNumber), maxGenerationTime: Duration.seconds(600), deadlineMargin: Duration.minutes(5) }, stack);
    const fn = Object.values(Template.fromStack(stack).findResources('AWS::Lambda::Function'))[0];
    expect(fn.Properties.Timeout).toEqual({ Ref: 'Timeout' });
    expect(variablesOf(stack)).toEqual(expect.objectContaining({ LLM_MAX_GENERATION_SECONDS: '600', LLM_DEADLINE_MARGIN_MS: '300000' }));
    const tokenTimeout = () => {
      const s = newStack();
      return { stack: s, timeout: Duration.seconds(new CfnParameter(s, 'Timeout', { type: 'Number' }).valueAsNumber) };
    };
    const a = tokenTimeout();
    expect(() => build({ timeout: a.timeout, maxGenerationTime: Duration.seconds(901) }, a.stack))
      .toThrow('Test/Llm: maxGenerationTime: 901 s is outside 1-900 s (Lambda\'s 15-minute limit; the timeout is a token)');
    const b = tokenTimeout();
    expect(() => build({ timeout: b.timeout, deadlineMargin: Duration.minutes(11) }, b.stack))
      .toThrow('Test/Llm: deadlineMargin: 660000 ms is more than the runtime\'s limit of 600000 ms');
  });
});
