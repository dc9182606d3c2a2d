/**
 * The optional bearer key, from LLM_API_KEY or from Secrets Manager (the real AWS SDK against a local
 * fake endpoint): every route but /health needs it.
 */
import { FakeSecretsManager } from './fake-secrets-manager';
import { ServerHandle, startExpectingFailure, startServer } from './harness';
import { call, HttpResult, post } from './http-client';
import { tinyModel } from './models';

const model = tinyModel();
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:llm-api-key-AbCdEf';

function expectUnauthorized(res: HttpResult): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe('Bearer');
  expect(res.json).toEqual({ error: { message: expect.stringContaining('Bearer'), type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
}

const chat = (server: ServerHandle, headers?: Record<string, string>) =>
  post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], max_tokens: 3 }, headers);

describe('LLM_API_KEY', () => {
  const KEY = 'sk-local-test-key-0123456789';
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_API_KEY: KEY } });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test.each([
    ['no Authorization header', undefined],
    ['a wrong key', { authorization: `Bearer ${KEY}x` }],
    ['a prefix of the key', { authorization: `Bearer ${KEY.slice(0, 10)}` }],
    ['the key without the Bearer scheme', { authorization: KEY }],
    ['Basic auth', { authorization: `Basic ${Buffer.from(`user:${KEY}`).toString('base64')}` }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('%s: 401 on every protected route', async (_name, headers) => {
    expectUnauthorized(await chat(server, headers));
    expectUnauthorized(await post(server.url, '/', { prompt: 'hi' }, headers));
    expectUnauthorized(await post(server.url, '/v1/completions', { prompt: 'hi' }, headers));
    expectUnauthorized(await call(server.url, '/v1/models', { headers }));
    // Unknown paths do not reveal themselves to a caller without the key.
    expectUnauthorized(await call(server.url, '/v1/secret-path', { headers }));
  });

  test('the right key opens every route (the scheme is case-insensitive)', async () => {
    const res = await chat(server, { authorization: `Bearer ${KEY}` });
    expect(res.status).toBe(200);
    expect(res.json.usage.completion_tokens).toBe(3);
    expect((await call(server.url, '/v1/models', { headers: { authorization: `bearer ${KEY}` } })).status).toBe(200);
    expect((await call(server.url, '/v1/nothing', { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(404);
  });

  test('/health needs no key (it is the readiness check)', async () => {
    const res = await call(server.url, '/health');
    expect(res.status).toBe(200);
  });

  test('the key never reaches the logs', () => {
    expect(server.stdout).not.toContain(KEY);
    expect(server.logs.find((line) => line.event === 'config')?.auth).toBe('LLM_API_KEY');
  });
});

describe('LLM_API_KEY_SECRET_ARN (Secrets Manager, fetched once at start)', () => {
  let fake: FakeSecretsManager;

  beforeAll(async () => {
    fake = await FakeSecretsManager.start({
      [ARN]: JSON.stringify({ apiKey: 'key-from-json-secret' }),
      [`${ARN}-plain`]: 'key-from-plain-secret\n',
    });
  });

  afterAll(async () => {
    await fake?.close();
  });

  test('a JSON secret with an "apiKey" field: one signed GetSecretValue call, then the key protects the routes', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path, ...fake.env(ARN) } });
    try {
      expect(fake.calls).toHaveLength(1);
      expect(fake.calls[0].target).toBe('secretsmanager.GetSecretValue');
      expect(fake.calls[0].body).toEqual({ SecretId: ARN });
      expect(fake.calls[0].authorization).toMatch(/^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLETEST00000\/\d{8}\/us-east-1\/secretsmanager\/aws4_request/);
      expectUnauthorized(await chat(server));
      expect((await chat(server, { authorization: 'Bearer key-from-json-secret' })).status).toBe(200);
      expect(server.stdout).not.toContain('key-from-json-secret');
      // Fetched once: requests do not call Secrets Manager again.
      expect(fake.calls).toHaveLength(1);
    } finally {
      await server.stop();
    }
  });

  test('a plain-string secret is the key itself (surrounding whitespace ignored)', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path, ...fake.env(`${ARN}-plain`) } });
    try {
      expectUnauthorized(await chat(server, { authorization: 'Bearer key-from-json-secret' }));
      expect((await chat(server, { authorization: 'Bearer key-from-plain-secret' })).status).toBe(200);
    } finally {
      await server.stop();
    }
  });

  test('a secret that cannot be read stops the start-up with a clear error (no open server)', async () => {
    const result = await startExpectingFailure({ env: { LLM_MODEL_PATH: model.path, ...fake.env(`${ARN}-missing`) } });
    expect(result.code).toBe(1);
    const failure = result.logs.find((line) => line.event === 'startup_failed');
    expect(failure?.error).toMatch(/can't find the specified secret/);
    expect(result.logs.some((line) => line.event === 'ready')).toBe(false);
  });
});
