/**
 * What stops a generation from outside the model: the max_tokens cap, a client that disconnects, the
 * Lambda deadline, the wall-clock cap, the bounded queue and SIGTERM. The endless model never stops by
 * itself, so every one of these is what ended it. Assertions use token counts from the responses and
 * the log lines, never timings.
 */
import { ServerHandle, startServer } from './harness';
import { post, stream } from './http-client';
import { endlessModel } from './models';

const model = endlessModel();
const CAP = 3000;
const MARGIN_MS = 1500;

const ask = (extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content: 'Go on' }], temperature: 0, ...extra });
const lambdaContext = (deadline: number, requestId: string) =>
  JSON.stringify({ request_id: requestId, deadline, invoked_function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:f', xray_trace_id: null });

describe('one server with LLM_MAX_TOKENS, LLM_QUEUE_SIZE=1 and the default deadline margin', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({
      env: { LLM_MODEL_PATH: model.path, LLM_MAX_TOKENS: String(CAP), LLM_QUEUE_SIZE: '1', LLM_CONTEXT_SIZE: '16384', LLM_TRUST_LAMBDA_CONTEXT: 'true' },
    });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('max_tokens above LLM_MAX_TOKENS is capped to it', async () => {
    const res = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 1_000_000 }));
    expect(res.status).toBe(200);
    expect(res.json.usage.completion_tokens).toBe(CAP);
    expect(res.json.choices[0].finish_reason).toBe('length');
  });

  test('a client that disconnects mid-stream stops the generation at once', async () => {
    const res = await stream(server.url, '/v1/chat/completions', ask({ stream: true }), {
      onEvent: (event) => (event.choices?.[0]?.delta?.content ? 'disconnect' : undefined),
    });
    const requestId = res.headers['x-request-id'] as string;
    const line = await server.requestLog(requestId);
    expect(line).toMatchObject({ status: 499, stoppedBy: 'disconnect', finishReason: 'length' });
    // Without the abort it would have run to the cap.
    expect(line.CompletionTokens).toBeGreaterThan(0);
    expect(line.CompletionTokens).toBeLessThan(CAP / 2);
    // And the model is free again right away.
    const next = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 5 }));
    expect(next.json.usage.completion_tokens).toBe(5);
  });

  test('the Lambda deadline (x-amzn-lambda-context) cuts the answer with "length" and says so in the log', async () => {
    const requestId = 'deadline-request-1';
    const headers = { 'x-amzn-lambda-context': lambdaContext(Date.now() + MARGIN_MS + 300, requestId) };
    const res = await post(server.url, '/v1/chat/completions', ask(), headers);
    expect(res.status).toBe(200);
    expect(res.json.choices[0].finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBeLessThan(CAP);
    expect(res.json.choices[0].message.content.startsWith('again and again')).toBe(true);
    const line = await server.requestLog(requestId);
    expect(line).toMatchObject({ stoppedBy: 'deadline', finishReason: 'length', status: 200, CompletionTokens: res.json.usage.completion_tokens });
    expect(server.logs.find((l) => l.event === 'deadline_cut' && l.requestId === requestId)).toBeDefined();
  });

  test('a deadline already within the margin answers at once with nothing generated', async () => {
    const requestId = 'deadline-request-2';
    const res = await stream(server.url, '/v1/chat/completions', ask({ stream: true, stream_options: { include_usage: true } }),
      { headers: { 'x-amzn-lambda-context': lambdaContext(Date.now() + MARGIN_MS - 1000, requestId) } });
    expect(res.status).toBe(200);
    expect(res.done).toBe(true);
    const finish = res.events[res.events.length - 2];
    expect(finish.choices[0].finish_reason).toBe('length');
    expect(res.events[res.events.length - 1].usage.completion_tokens).toBe(0);
    expect((await server.requestLog(requestId)).stoppedBy).toBe('deadline');
  });

  test('the seed route honours the deadline too', async () => {
    const requestId = 'deadline-request-3';
    const res = await post(server.url, '/', { prompt: 'Go on', temperature: 0 },
      { 'x-amzn-lambda-context': lambdaContext(Date.now() + MARGIN_MS + 300, requestId) });
    expect(res.json.finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBeLessThan(CAP);
    expect((await server.requestLog(requestId)).stoppedBy).toBe('deadline');
  });

  test('beyond one running and one waiting request: 429 with Retry-After, and the waiting one is served', async () => {
    let stopHolder = false;
    let firstTokenSeen!: () => void;
    const running = new Promise<void>((resolve) => { firstTokenSeen = resolve; });
    // The running request holds the model until this test lets it go (by disconnecting).
    const holder = stream(server.url, '/v1/chat/completions', ask({ stream: true }), {
      onEvent: (event) => {
        if (event.choices?.[0]?.delta?.content) firstTokenSeen();
        return stopHolder ? 'disconnect' : undefined;
      },
    });
    await running;
    // Two more: one takes the single queue slot, the other is refused; which is which depends on arrival.
    const b = post(server.url, '/v1/chat/completions', ask({ max_tokens: 5 }));
    const c = post(server.url, '/v1/completions', { prompt: 'x', temperature: 0, max_tokens: 5 });
    const first = await Promise.race([b, c]);
    expect(first.status).toBe(429);
    stopHolder = true;
    const results = await Promise.all([b, c]);
    expect(results.map((r) => r.status).sort()).toEqual([200, 429]);
    const refused = results.find((r) => r.status === 429)!;
    expect(refused.json).toEqual({ error: { message: expect.any(String), type: 'rate_limit_error', param: null, code: 'queue_full' } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const served = results.find((r) => r.status === 200)!;
    expect(served.json.usage.completion_tokens).toBe(5);
    const held = await holder;
    expect(held.done).toBe(false);
  });
});

describe('LLM_MAX_GENERATION_SECONDS and SIGTERM', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({
      env: { LLM_MODEL_PATH: model.path, LLM_MAX_GENERATION_SECONDS: '1', LLM_MAX_TOKENS: '16000', LLM_CONTEXT_SIZE: '16384' },
    });
  });

  afterAll(async () => {
    if (server !== undefined && !server.hasExited) await server.stop();
  });

  test('the wall-clock cap ends a generation with "length"', async () => {
    const res = await post(server.url, '/v1/completions', { prompt: 'Go', temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBeGreaterThan(0);
    expect(res.json.usage.completion_tokens).toBeLessThan(16000);
    const line = await server.requestLog(res.headers['x-request-id'] as string);
    expect(line).toMatchObject({ stoppedBy: 'time_limit', finishReason: 'length' });
  });

  test('SIGTERM during a generation: it stops, frees the model and exits 0', async () => {
    let signalled = false;
    const res = await stream(server.url, '/v1/chat/completions', ask({ stream: true, max_tokens: 15000 }), {
      onEvent: (event) => {
        if (!signalled && event.choices?.[0]?.delta?.content) {
          signalled = true;
          server.child.kill('SIGTERM');
        }
      },
    });
    expect(signalled).toBe(true);
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.logs.some((line) => line.event === 'shutdown' && line.signal === 'SIGTERM')).toBe(true);
    // The running stream was ended properly, cut short.
    expect(res.done).toBe(true);
    expect(res.events[res.events.length - 1].choices[0].finish_reason).toBe('length');
  });
});
