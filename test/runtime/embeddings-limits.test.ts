/**
 * /v1/embeddings under the same rules as the generation routes: the bearer key, one request on the model at a
 * time with a bounded queue, the Lambda deadline and the time cap (checked between inputs), a client that leaves,
 * a shutdown, and one log line with EMF metrics per request. A batch of 2048 inputs is the long-running request;
 * its duration is measured first so that the cuts land inside it on a fast or a busy machine alike.
 */
import * as http from 'node:http';
import { ServerHandle, startServer } from './harness';
import { post } from './http-client';
import { embeddingModel } from './models';

const model = embeddingModel();
const KEY = 'sk-embeddings-test-key-0123456789';
const AUTH = { authorization: `Bearer ${KEY}` };
const MARGIN_MS = 100;
const WORDS = ['hello', 'world', 'time', 'story', 'answer', 'question', 'model', 'people'];
const BIG_BATCH = Array.from({ length: 2048 }, (_, index) =>
  Array.from({ length: 40 }, (__, word) => WORDS[(index + word * 3) % WORDS.length]).join(' ') + ` ${index}`);

const lambdaContext = (deadline: number, requestId: string) =>
  JSON.stringify({ request_id: requestId, deadline, invoked_function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:f', xray_trace_id: null });

/** Sends a request and drops the connection after `ms`, without waiting for an answer. */
function sendAndLeave(server: ServerHandle, body: unknown, ms: number): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const request = http.request(`${server.url}/v1/embeddings`, {
    method: 'POST', agent: false, headers: { ...AUTH, 'content-type': 'application/json', 'content-length': payload.length },
  });
  request.on('error', () => undefined);
  request.end(payload);
  return new Promise((resolve) => setTimeout(() => {
    request.destroy();
    resolve();
  }, ms));
}

let server: ServerHandle;
/** How long the big batch takes on this machine right now. */
let bigBatchMs: number;

beforeAll(async () => {
  server = await startServer({
    env: {
      LLM_MODEL_PATH: model.path,
      LLM_CONTEXT_SIZE: '256',
      LLM_THREADS: '2',
      LLM_QUEUE_SIZE: '0',
      LLM_API_KEY: KEY,
      LLM_DEADLINE_MARGIN_MS: String(MARGIN_MS),
      LLM_TRUST_LAMBDA_CONTEXT: 'true',
    },
  });
  // The faster of two warm runs: the first request of a process is slower than the rest.
  await post(server.url, '/v1/embeddings', { input: 'warm up' }, AUTH);
  const durations: number[] = [];
  for (let run = 0; run < 2; run++) {
    const started = performance.now();
    const res = await post(server.url, '/v1/embeddings', { input: BIG_BATCH }, AUTH);
    durations.push(performance.now() - started);
    expect(res.json.data).toHaveLength(BIG_BATCH.length);
  }
  bigBatchMs = Math.min(...durations);
});

afterAll(async () => {
  if (server !== undefined && !server.hasExited) expect((await server.stop()).code).toBe(0);
});

test('the bearer key guards /v1/embeddings like every other route', async () => {
  const res = await post(server.url, '/v1/embeddings', { input: 'hello' });
  expect(res.status).toBe(401);
  expect(res.json.error.code).toBe('invalid_api_key');
  expect((await post(server.url, '/v1/embeddings', { input: 'hello' }, AUTH)).status).toBe(200);
});

test('one log line per request with EMF metrics: inputs, tokens, embeddings per second, duration', async () => {
  const res = await post(server.url, '/v1/embeddings', { input: ['hello world', 'time'], dimensions: 8, encoding_format: 'base64' }, AUTH);
  const line = await server.requestLog(res.headers['x-request-id'] as string);
  expect(line).toMatchObject({
    route: '/v1/embeddings',
    status: 200,
    EmbeddingInputs: 2,
    EmbeddingTokens: res.json.usage.prompt_tokens,
    embedded: 2,
    truncated: 0,
    dimensions: 8,
    encodingFormat: 'base64',
    FunctionName: 'local',
  });
  expect(line.EmbeddingsPerSecond).toBeGreaterThan(0);
  expect(line.EmbeddingDuration).toBeGreaterThanOrEqual(0);
  expect(line._aws.CloudWatchMetrics[0].Metrics.map((metric: any) => metric.Name))
    .toEqual(['EmbeddingInputs', 'EmbeddingTokens', 'EmbeddingsPerSecond', 'EmbeddingDuration']);
  // No prompt text unless LLM_LOG_PROMPTS=true.
  expect(line.prompt).toBeUndefined();
  // The first request of the process paid the cold start (the warm-up in beforeAll), this one did not.
  expect(server.requestLogs().find((entry) => entry.route === '/v1/embeddings')?.coldStart).toBe(true);
  expect(line.coldStart).toBe(false);
});

test('the queue: a request arriving while a batch runs gets 429 with Retry-After (LLM_QUEUE_SIZE=0)', async () => {
  const running = post(server.url, '/v1/embeddings', { input: BIG_BATCH }, AUTH);
  await new Promise((resolve) => setTimeout(resolve, bigBatchMs / 4));
  const refused = await post(server.url, '/v1/embeddings', { input: 'hello' }, AUTH);
  expect(refused.status).toBe(429);
  expect(refused.json.error.code).toBe('queue_full');
  expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect((await running).status).toBe(200);
  expect((await post(server.url, '/v1/embeddings', { input: 'hello' }, AUTH)).status).toBe(200);
});

test('a client that leaves mid-batch stops it between inputs (499), and the model is free again', async () => {
  const before = server.requestLogs().length;
  await sendAndLeave(server, { input: BIG_BATCH }, bigBatchMs / 4);
  const line = await server.waitForLog((entry) => entry.event === 'request' && entry.status === 499, 30_000, before);
  expect(line).toMatchObject({ route: '/v1/embeddings', stoppedBy: 'disconnect', EmbeddingInputs: BIG_BATCH.length });
  expect(line.embedded).toBeGreaterThan(0);
  expect(line.embedded).toBeLessThan(BIG_BATCH.length);
  expect((await post(server.url, '/v1/embeddings', { input: 'hello' }, AUTH)).status).toBe(200);
});

test('the Lambda deadline stops a batch between inputs: 504 saying how far it got', async () => {
  const requestId = 'embedding-deadline-1';
  const headers = { ...AUTH, 'x-amzn-lambda-context': lambdaContext(Date.now() + MARGIN_MS + bigBatchMs / 4, requestId) };
  const res = await post(server.url, '/v1/embeddings', { input: BIG_BATCH }, headers);
  expect(res.status).toBe(504);
  expect(res.json.error).toMatchObject({ type: 'server_error', code: 'deadline_exceeded' });
  const line = await server.requestLog(requestId);
  expect(line).toMatchObject({ status: 504, stoppedBy: 'deadline' });
  expect(line.embedded).toBeGreaterThan(0);
  expect(line.embedded).toBeLessThan(BIG_BATCH.length);
  expect(res.json.error.message).toContain(`after ${line.embedded} of ${BIG_BATCH.length} inputs`);
});

test('a deadline already inside the margin embeds nothing', async () => {
  const requestId = 'embedding-deadline-2';
  const res = await post(server.url, '/v1/embeddings', { input: ['hello'] },
    { ...AUTH, 'x-amzn-lambda-context': lambdaContext(Date.now() + MARGIN_MS - 50, requestId) });
  expect(res.status).toBe(504);
  expect(await server.requestLog(requestId)).toMatchObject({ embedded: 0, stoppedBy: 'deadline' });
});

test('SIGTERM mid-batch: the batch stops, the client is told to retry elsewhere (503), the process exits 0', async () => {
  const running = post(server.url, '/v1/embeddings', { input: BIG_BATCH }, AUTH).catch(() => undefined);
  await new Promise((resolve) => setTimeout(resolve, bigBatchMs / 4));
  const { code } = await server.stop();
  expect(code).toBe(0);
  const res = await running;
  // The answer may lose the race with the closing socket; when it arrives it is the retryable 503.
  if (res !== undefined) expect(res).toMatchObject({ status: 503, json: { error: { code: 'shutting_down' } } });
  const line = server.requestLogs().find((entry) => entry.stoppedBy === 'shutdown');
  expect(line?.embedded).toBeLessThan(BIG_BATCH.length);
});

describe('LLM_MAX_GENERATION_SECONDS caps an embedding run as it caps a generation', () => {
  let capped: ServerHandle;
  beforeAll(async () => {
    capped = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: '256', LLM_MAX_GENERATION_SECONDS: '1' } });
  });
  afterAll(async () => {
    if (capped !== undefined) expect((await capped.stop()).code).toBe(0);
  });

  test('504 time_limit_exceeded when a batch outlasts the cap', async () => {
    // The big batch on one thread: several seconds even on a fast machine; the cap is one.
    const res = await post(capped.url, '/v1/embeddings', { input: BIG_BATCH });
    expect(res.status).toBe(504);
    expect(res.json.error.code).toBe('time_limit_exceeded');
    const line = await capped.requestLog(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ stoppedBy: 'time_limit' });
  });
});

describe('SnapStart with an embedding model', () => {
  let snap: ServerHandle;
  beforeAll(async () => {
    snap = await startServer({
      env: {
        LLM_MODEL_PATH: model.path,
        LLM_CONTEXT_SIZE: '256',
        LLM_THREADS: '2',
        AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH: '/_snapstart/before-checkpoint',
        AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH: '/_snapstart/after-restore',
      },
    });
  });
  afterAll(async () => {
    if (snap !== undefined) expect((await snap.stop()).code).toBe(0);
  });

  test('the before-checkpoint hook warms both embedding contexts (there is no generation engine to warm)', async () => {
    const res = await post(snap.url, '/_snapstart/before-checkpoint', {});
    expect(res.status).toBe(200);
    // "Hello" is one token, with BOS and EOS three, once per context.
    expect(res.json).toMatchObject({ status: 'ok', warmUpTokens: 2 * 3 });
    expect((await post(snap.url, '/v1/embeddings', { input: 'hello' })).status).toBe(200);
  });
});
