/**
 * SnapStart support in the runtime: fresh randomness per request (nothing a snapshot could clone), the
 * Web Adapter's two hook routes, and what a restore changes in the logs and the bearer key.
 */
import { execFileSync } from 'node:child_process';
import { FakeSecretsManager } from './fake-secrets-manager';
import { RUNTIME_DIR, ServerHandle, startServer } from './harness';
import { call, post, stream } from './http-client';
import { endlessModel, scriptedModel, tinyModel } from './models';

const BEFORE = '/_snapstart/before-checkpoint';
const AFTER = '/_snapstart/after-restore';
const HOOKS = { AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH: BEFORE, AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH: AFTER };

const chatBody = (extra: Record<string, unknown> = {}) => ({
  model: 'any', messages: [{ role: 'user', content: 'Tell me something.' }], max_tokens: 24, temperature: 1, ...extra,
});

async function answer(server: ServerHandle, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await post(server.url, '/v1/chat/completions', chatBody(extra));
  expect(res.status).toBe(200);
  expect(res.json.usage.completion_tokens).toBe(24);
  return res.json.choices[0].message.content;
}

describe('sampling without a seed draws fresh randomness per request', () => {
  // Random weights over the whole vocabulary: at temperature 1 two 24-token samples agree only by chance.
  const model = tinyModel();
  let first: ServerHandle;
  let second: ServerHandle;

  beforeAll(async () => {
    // Two servers started identically, as two environments restored from one snapshot would be.
    [first, second] = await Promise.all([
      startServer({ env: { LLM_MODEL_PATH: model.path } }),
      startServer({ env: { LLM_MODEL_PATH: model.path } }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([first?.stop(), second?.stop()]);
  });

  test('the same request at temperature 1 to two identical servers at the same moment: different answers', async () => {
    const [a, b] = await Promise.all([answer(first), answer(second)]);
    expect(a).not.toBe(b);
  });

  test('back-to-back identical requests to one server (same second): all different', async () => {
    const answers = [await answer(first), await answer(first), await answer(first)];
    expect(new Set(answers).size).toBe(3);
  });

  test('a request seed still makes sampling repeatable, across servers', async () => {
    const [a, b] = await Promise.all([answer(first, { seed: 1234 }), answer(second, { seed: 1234 })]);
    expect(a).toBe(b);
    expect(await answer(first, { seed: 1234 })).toBe(a);
  });

  test('response ids differ between the two servers', async () => {
    const [a, b] = await Promise.all([
      post(first.url, '/v1/chat/completions', chatBody({ max_tokens: 1 })),
      post(second.url, '/v1/chat/completions', chatBody({ max_tokens: 1 })),
    ]);
    expect(a.json.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(a.json.id).not.toBe(b.json.id);
  });
});

describe('the SnapStart hook routes', () => {
  const model = scriptedModel();
  const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-key-AbCdEf';
  let fake: FakeSecretsManager;
  let server: ServerHandle;
  const withKey = (key: string) => ({ authorization: `Bearer ${key}` });
  const chat = (key: string) => post(server.url, '/v1/chat/completions', chatBody({ temperature: 0, max_tokens: 64 }), withKey(key));

  beforeAll(async () => {
    fake = await FakeSecretsManager.start({ [ARN]: 'key-before-snapshot' });
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, ...fake.env(ARN), ...HOOKS } });
  });

  afterAll(async () => {
    await server?.stop();
    await fake?.close();
  });

  test('before-checkpoint from loopback: 200 after one short warm-up generation, no key needed; again: harmless', async () => {
    const first = await call(server.url, BEFORE, { method: 'POST' });
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({ status: 'ok', warmUpTokens: expect.any(Number) });
    expect(first.json.warmUpTokens).toBeGreaterThan(0);
    const logged = await server.waitForLog((line) => line.event === 'snapstart_before_checkpoint');
    expect(logged.warmUpTokens).toBe(first.json.warmUpTokens);

    expect((await call(server.url, BEFORE, { method: 'POST' })).status).toBe(200);
    // The warm-up left nothing behind: the scripted answer is exact, the prompt counted from scratch.
    const res = await chat('key-before-snapshot');
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe(model.answer);
    expect(res.json.choices[0].message.reasoning_content).toBe(model.reasoning);
    // Hook calls are not requests: no request lines for them.
    expect(server.requestLogs().filter((line) => line.route !== '/v1/chat/completions')).toEqual([]);
  });

  test('after-restore re-reads a rotated key, logs one restore event, and marks the next generation restored', async () => {
    const callsBefore = fake.calls.length;
    fake.setSecret(ARN, 'key-after-rotation');
    const res = await call(server.url, AFTER, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(fake.calls.length).toBe(callsBefore + 1);
    const restore = await server.waitForLog((line) => line.event === 'restore');
    expect(restore.ms).toEqual(expect.any(Number));
    expect(restore.snapshotAgeMs).toBeGreaterThanOrEqual(0);

    const stale = await chat('key-before-snapshot');
    expect(stale.status).toBe(401);
    const first = await chat('key-after-rotation');
    expect(first.status).toBe(200);
    const second = await chat('key-after-rotation');
    const lines = await Promise.all([stale, first, second].map((r) => server.requestLog(r.headers['x-request-id'] as string)));
    // The 401 generated nothing: the first generation after the restore carries the flag.
    expect(lines.map((line) => [line.restored, line.coldStart])).toEqual([[false, false], [true, false], [false, false]]);
    expect(server.logs.filter((line) => line.event === 'restore')).toHaveLength(1);
  });

  test('a call that came through an invocation (Web Adapter headers) finds no such route: 404', async () => {
    for (const header of ['x-amzn-lambda-context', 'x-amzn-request-context']) {
      const res = await call(server.url, BEFORE, { method: 'POST', headers: { [header]: '{}', ...withKey('key-after-rotation') } });
      expect(res.status).toBe(404);
      expect(res.json.error).toMatchObject({ code: 'not_found', message: expect.stringContaining(BEFORE) });
    }
    expect(server.logs.filter((line) => line.event === 'snapstart_before_checkpoint')).toHaveLength(2);
  });

  test('only POST: a GET on a hook path is 405 with Allow', async () => {
    const res = await call(server.url, AFTER);
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('POST');
  });

  test('a server without the hook variables has no hook routes', async () => {
    const plain = await startServer({ env: { LLM_MODEL_PATH: model.path } });
    try {
      for (const path of [BEFORE, AFTER]) expect((await call(plain.url, path, { method: 'POST' })).status).toBe(404);
      expect(plain.logs.some((line) => line.event === 'restore' || line.event === 'snapstart_before_checkpoint')).toBe(false);
    } finally {
      await plain.stop();
    }
  });
});

test('a warm-up waiting behind a generation at SIGTERM is stopped like any generation: 503, then a clean exit', async () => {
  const server = await startServer({ env: { LLM_MODEL_PATH: endlessModel().path, LLM_QUEUE_SIZE: '2', LLM_MAX_TOKENS: '15000', LLM_CONTEXT_SIZE: '16384', ...HOOKS } });
  try {
    let hook: ReturnType<typeof call> | undefined;
    const running = stream(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'Go on' }], temperature: 0, stream: true }, {
      onEvent: (event) => {
        if (hook === undefined && event.choices?.[0]?.delta?.content) {
          hook = call(server.url, BEFORE, { method: 'POST' });
          setTimeout(() => server.child.kill('SIGTERM'), 300);
        }
      },
    });
    await running;
    const answered = await hook!;
    expect(answered.status).toBe(503);
    expect(answered.json.error).toMatchObject({ code: 'shutting_down' });
    expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    expect(server.logs.some((line) => line.event === 'snapstart_before_checkpoint')).toBe(false);
  } finally {
    if (!server.hasExited) server.child.kill('SIGKILL');
  }
});

test('only loopback addresses count as local (the check behind the hook routes)', () => {
  const addresses = ['127.0.0.1', '127.8.9.10', '::1', '::ffff:127.0.0.1', '10.0.0.5', '192.168.1.2', '::ffff:10.1.2.3',
    'fe80::1', '2001:db8::1', '128.0.0.1', '127.0.0.1.evil', undefined];
  const script = 'import("./dist/http/local-call.js").then((m) => process.stdout.write(JSON.stringify(JSON.parse(process.argv[1]).map((a) => m.isLoopbackAddress(a ?? undefined)))))';
  const verdicts = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(addresses)], { cwd: RUNTIME_DIR, encoding: 'utf8' }));
  expect(verdicts).toEqual([true, true, true, true, false, false, false, false, false, false, false, false]);
});
