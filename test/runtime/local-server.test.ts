/**
 * Issue 18's local-server findings (runtime items 9-12), each against the real server:
 * 9. web pages: a foreign Origin or a non-loopback Host (DNS rebinding) is refused on a loopback bind, a
 *    browser's non-JSON body is refused everywhere, listed origins get CORS; curl and SDKs are unchanged;
 * 10. 431 for oversized headers, 408 for a request that arrives too slowly, HEAD wherever GET works;
 * 11. SIGTERM while a client is still sending its body: a retryable 503, then the exit;
 * 12. `Connection: close` with an oversized body: the 413 arrives (lingering close).
 */
import * as http from 'node:http';
import { ServerHandle, startServer } from './harness';
import { call, HttpResult, post } from './http-client';
import { endlessModel, scriptedModel } from './models';
import { rawExchange } from './raw-http';

const model = scriptedModel();
const endless = endlessModel();
const CHAT = { messages: [{ role: 'user', content: 'hi' }], temperature: 0 };
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

function expectError(res: { status: number; json: any }, status: number, code: string): void {
  expect({ status: res.status, code: res.json?.error?.code }).toEqual({ status, code });
  expect(Object.keys(res.json.error).sort()).toEqual(['code', 'message', 'param', 'type']);
  expect(res.json.error.message.length).toBeGreaterThan(20);
}

/** The server still gives the exact scripted answer. */
async function expectStillServing(server: ServerHandle): Promise<void> {
  const res = await post(server.url, '/v1/chat/completions', CHAT);
  expect(res.status).toBe(200);
  expect(res.json.choices[0].message.content).toBe(model.answer);
}

/** The request log line of a response; its status and error code say what the server did with it. */
const logOf = (server: ServerHandle, res: HttpResult) => server.requestLog(res.headers['x-request-id'] as string);

describe('9: bound to loopback (HOST unset: 127.0.0.1), no origin allowed', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
  });
  afterAll(() => server?.stop());

  test('the issue\'s attack: a cross-site "simple" POST (text/plain, no preflight) is refused before any work', async () => {
    const res = await call(server.url, '/v1/chat/completions', {
      method: 'POST',
      body: JSON.stringify(CHAT),
      headers: { 'content-type': 'text/plain;charset=UTF-8', 'origin': 'https://evil.example', 'sec-fetch-site': 'cross-site', 'sec-fetch-mode': 'no-cors' },
    });
    expectError(res, 403, 'origin_not_allowed');
    expect(res.json.error.message).toContain('LLM_ALLOWED_ORIGINS');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const line = await logOf(server, res);
    expect(line).toMatchObject({ status: 403, errorCode: 'origin_not_allowed' });
    expect(line.CompletionTokens).toBeUndefined();
  });

  test.each([
    ['another site', 'https://evil.example'],
    ['a sandboxed frame or a file', 'null'],
    ['another server on this machine', 'http://127.0.0.1:1'],
    ['https on our port', 'https://localhost:{port}'],
    ['a lookalike name', 'http://localhost.evil.example:{port}'],
  ])('any method from %s (Origin %s) is 403, whatever its Content-Type', async (_name, origin) => {
    const headers = { origin: origin.replace('{port}', String(server.port)) };
    expectError(await call(server.url, '/v1/models', { headers }), 403, 'origin_not_allowed');
    expectError(await call(server.url, '/v1/chat/completions', { method: 'POST', body: CHAT, headers }), 403, 'origin_not_allowed');
    expectError(await call(server.url, '/v1/chat/completions', { method: 'OPTIONS', headers: { ...headers, 'access-control-request-method': 'POST' } }),
      403, 'origin_not_allowed');
  });

  test.each(['http://127.0.0.1:{port}', 'http://localhost:{port}', 'http://[::1]:{port}', 'http://LOCALHOST:{port}'])(
    'the server\'s own origin %s (the chat page) is served, JSON as the page sends it', async (origin) => {
      const own = origin.replace('{port}', String(server.port));
      const res = await post(server.url, '/v1/chat/completions', CHAT, { 'origin': own, 'sec-fetch-site': 'same-origin' });
      expect(res.status).toBe(200);
      expect(res.json.choices[0].message.content).toBe(model.answer);
    });

  test.each([
    ['text/plain;charset=UTF-8'],
    ['application/x-www-form-urlencoded'],
    ['multipart/form-data; boundary=x'],
    [undefined],
  ])('from a browser (own origin), a body sent as %s is 415 on every POST route', async (contentType) => {
    const headers: Record<string, string> = { origin: `http://127.0.0.1:${server.port}` };
    if (contentType !== undefined) headers['content-type'] = contentType;
    for (const [path, body] of [['/v1/chat/completions', CHAT], ['/v1/completions', { prompt: 'hi' }], ['/', { prompt: 'hi' }]] as const) {
      const res = await new Promise<HttpResult>((resolve, reject) => {
        // Node's client would add its own Content-Type for an object body: send the bytes with exactly these headers.
        const payload = Buffer.from(JSON.stringify(body));
        const request = http.request(`${server.url}${path}`, { method: 'POST', headers: { ...headers, 'content-length': payload.length }, agent: false }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { text += chunk; });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: JSON.parse(text) }));
        });
        request.on('error', reject);
        request.end(payload);
      });
      expectError(res, 415, 'unsupported_media_type');
      expect(res.json.error.message).toContain('application/json');
    }
    await expectStillServing(server);
  });

  test('Sec-Fetch-Site alone marks a browser (cross-site text/plain is 415); "none" (a typed URL) does not', async () => {
    const body = JSON.stringify({ prompt: 'hi' });
    expectError(await call(server.url, '/', { method: 'POST', body, headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'cross-site' } }),
      415, 'unsupported_media_type');
    const typed = await call(server.url, '/', { method: 'POST', body, headers: { 'content-type': 'text/plain', 'sec-fetch-site': 'none' } });
    expect(typed.json.response).toBe(model.answer);
  });

  test('application/*+json with parameters is JSON', async () => {
    const res = await post(server.url, '/', { prompt: 'hi' }, { 'origin': `http://localhost:${server.port}`, 'content-type': 'application/vnd.api+json; charset=utf-8' });
    expect(res.json.response).toBe(model.answer);
  });

  test('curl\'s headline command (form-urlencoded, no browser headers) and Node\'s fetch (text/plain) still work', async () => {
    const curl = await call(server.url, '/', {
      method: 'POST',
      body: '{"prompt": "Explain quantum computing"}',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'curl/7.88.1', 'accept': '*/*' },
    });
    expect(curl.status).toBe(200);
    expect(curl.json.response).toBe(model.answer);
    // fetch sends text/plain for a string body and Sec-Fetch-Mode, but no Origin and no Sec-Fetch-Site.
    const fetched = await fetch(`${server.url}/`, { method: 'POST', body: JSON.stringify({ prompt: 'hi' }) });
    expect(fetched.status).toBe(200);
    expect(((await fetched.json()) as any).response).toBe(model.answer);
  });

  const FOREIGN_HOSTS = ['evil.example', 'evil.example:{port}', '127.0.0.1.evil.example', 'localhost.evil.example:{port}', '0.0.0.0:{port}',
    '10.0.0.1', '[::2]:{port}', 'printer.local', 'localhost:{port}@evil.example'];
  test.each(FOREIGN_HOSTS)('DNS rebinding: Host %s is 403 on every route, the page and /health included', async (host) => {
    const headers = { host: host.replace('{port}', String(server.port)) };
    for (const [path, extra] of [['/v1/models', {}], ['/health', {}], ['/', { accept: BROWSER_ACCEPT }], ['/ui/app.js', {}]] as const) {
      const res = await call(server.url, path, { headers: { ...headers, ...extra } });
      expectError(res, 403, 'host_not_allowed');
      expect(res.json.error.message).toContain('HOST');
    }
    expectError(await post(server.url, '/v1/chat/completions', CHAT, headers), 403, 'host_not_allowed');
  });

  test.each(['localhost:{port}', 'LocalHost', 'chat.localhost:{port}', '127.0.0.1', '127.1.2.3:{port}', '[::1]:{port}'])(
    'Host %s is a loopback name: served', async (host) => {
      const res = await call(server.url, '/v1/models', { headers: { host: host.replace('{port}', String(server.port)) } });
      expect(res.status).toBe(200);
      expect(res.json.object).toBe('list');
    });
});

describe('9: bound to loopback, with LLM_ALLOWED_ORIGINS and a key', () => {
  const APP = 'https://app.example.com';
  const KEY = 'cors-test-key';
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_API_KEY: KEY, LLM_ALLOWED_ORIGINS: 'HTTPS://App.Example.com:443/, chrome-extension://abcdefgh' } });
  });
  afterAll(() => server?.stop());

  test('the preflight is answered without the key: the route\'s methods, Authorization and Content-Type allowed', async () => {
    const res = await call(server.url, '/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { 'origin': APP, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
    });
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expect(res.headers['access-control-allow-origin']).toBe(APP);
    expect(res.headers['access-control-allow-methods']).toBe('POST');
    expect(res.headers['access-control-allow-headers']).toBe('Authorization, Content-Type, *');
    expect(res.headers.vary).toMatch(/\bOrigin\b/);
    const models = await call(server.url, '/v1/models', { method: 'OPTIONS', headers: { 'origin': APP, 'access-control-request-method': 'GET' } });
    expect(models.headers['access-control-allow-methods']).toBe('GET, HEAD');
  });

  test('a listed origin reads answers and errors (the key checked as ever); others are refused', async () => {
    const ok = await post(server.url, '/v1/chat/completions', CHAT, { origin: APP, authorization: `Bearer ${KEY}` });
    expect(ok.status).toBe(200);
    expect(ok.headers['access-control-allow-origin']).toBe(APP);
    expect(ok.headers['access-control-expose-headers']).toContain('x-request-id');
    expect(ok.headers.vary).toBe('Origin');
    const noKey = await post(server.url, '/v1/chat/completions', CHAT, { origin: APP });
    expectError(noKey, 401, 'invalid_api_key');
    expect(noKey.headers['access-control-allow-origin']).toBe(APP);
    const extension = await call(server.url, '/v1/models', { headers: { origin: 'chrome-extension://abcdefgh', authorization: `Bearer ${KEY}` } });
    expect(extension.headers['access-control-allow-origin']).toBe('chrome-extension://abcdefgh');
    expectError(await call(server.url, '/v1/models', { headers: { origin: 'https://app.example.com.evil.example' } }), 403, 'origin_not_allowed');
  });

  test('a listed origin still may not send a simple (non-JSON) request', async () => {
    const res = await call(server.url, '/v1/chat/completions', {
      method: 'POST', body: JSON.stringify(CHAT), headers: { 'content-type': 'text/plain', 'origin': APP, 'authorization': `Bearer ${KEY}` },
    });
    expectError(res, 415, 'unsupported_media_type');
  });

  test('the Host check holds whatever the origins allowed', async () => {
    expectError(await call(server.url, '/v1/models', { headers: { host: 'app.example.com', origin: APP } }), 403, 'host_not_allowed');
  });
});

describe('9: bound to all addresses (HOST=0.0.0.0, as in the container): Host and Origin are not checked', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, HOST: '0.0.0.0' } });
  });
  afterAll(() => server?.stop());

  test('any Host and any Origin are served as before, without CORS headers; a preflight is the 405 of before', async () => {
    const res = await post(server.url, '/v1/chat/completions', CHAT, { host: 'llm.internal.example', origin: 'https://evil.example' });
    expect(res.status).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
    const preflight = await call(server.url, '/v1/chat/completions', { method: 'OPTIONS', headers: { 'origin': 'https://evil.example', 'access-control-request-method': 'POST' } });
    expectError(preflight, 405, 'method_not_allowed');
  });

  test('a browser\'s non-JSON body is still 415 (a Function URL or a LAN address can be reached by web pages too)', async () => {
    const res = await call(server.url, '/', { method: 'POST', body: '{"prompt": "hi"}', headers: { 'content-type': 'text/plain', 'origin': 'https://evil.example' } });
    expectError(res, 415, 'unsupported_media_type');
  });
});

describe('10: status codes of malformed, oversized and slow requests; HEAD', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_MODEL_ID: 'local-test-model', LLM_REQUEST_TIMEOUT_SECONDS: '1' } });
  });
  afterAll(() => server?.stop());

  test('20 KB of headers: 431 with an OpenAI error object (was 400)', async () => {
    const res = await call(server.url, '/v1/models', { headers: { 'x-padding': 'a'.repeat(20_000) } });
    expectError(res, 431, 'request_header_fields_too_large');
    expect(res.json.error.message).toContain('16384 bytes');
    expect(res.headers.connection).toBe('close');
    await expectStillServing(server);
  });

  test('headers that stop halfway: 408 once LLM_REQUEST_TIMEOUT_SECONDS has passed (was 400)', async () => {
    const started = Date.now();
    const res = await rawExchange(server.port, { head: 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: appl' });
    expectError(res, 408, 'request_timeout');
    expect(res.headers.connection).toBe('close');
    expect(res.closed).toBe(true);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(Date.now() - started).toBeLessThan(5000);
    await expectStillServing(server);
  });

  test('a body that stops halfway: 408 from its route, logged as such, connection closed (was 400)', async () => {
    const res = await rawExchange(server.port, {
      head: 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: slow-body\r\nContent-Type: application/json\r\n' +
        'Content-Length: 500\r\n\r\n{"messages": [',
    });
    expectError(res, 408, 'request_timeout');
    expect(res.headers.connection).toBe('close');
    expect(res.closed).toBe(true);
    expect(await server.requestLog(res.headers['x-request-id'])).toMatchObject({ status: 408, errorCode: 'request_timeout' });
    await expectStillServing(server);
  });

  test('a kept-alive connection idle for longer than the timeout is not a slow request: its next request is served', async () => {
    const res = await rawExchange(server.port, {
      head: 'GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n',
      afterWrite: (socket) => setTimeout(() => socket.write('GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'), 2500),
    });
    expect(res.raw.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(res.raw).not.toContain('request_timeout');
  });

  test('garbage: 400 invalid_http, as JSON', async () => {
    const res = await rawExchange(server.port, { head: 'NOT HTTP AT ALL\r\n\r\n' });
    expectError(res, 400, 'invalid_http');
  });

  test('the timeout is for receiving the request only: an answer streamed for longer is not cut', async () => {
    const streamServer = await startServer({
      env: {
        LLM_MODEL_PATH: endless.path, LLM_REQUEST_TIMEOUT_SECONDS: '1', LLM_MAX_GENERATION_SECONDS: '3', LLM_CONTEXT_SIZE: '16384', LLM_MAX_TOKENS: '15000',
      },
    });
    try {
      const started = Date.now();
      const res = await post(streamServer.url, '/v1/chat/completions', { ...CHAT, stream: true });
      expect(res.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThan(2500);
      expect(res.text.trimEnd().endsWith('data: [DONE]')).toBe(true);
      expect(res.text).toContain('"finish_reason":"length"');
    } finally {
      await streamServer.stop();
    }
  });

  const GET_ROUTES: Array<[string, Record<string, string>]> = [
    ['/health', {}],
    ['/v1/models', {}],
    ['/v1/models/local-test-model', {}],
    ['/v1/models/another-model', {}],
    ['/', { accept: BROWSER_ACCEPT }],
    ['/ui/app.js', {}],
  ];
  test.each(GET_ROUTES)('HEAD %s: the status and headers of GET, no body (was 405 on the API routes)', async (path, headers) => {
    const get = await call(server.url, path, { headers });
    const head = await call(server.url, path, { method: 'HEAD', headers });
    expect(head.status).toBe(get.status);
    expect(head.text).toBe('');
    const comparable = (h: http.IncomingHttpHeaders) => Object.fromEntries(Object.entries(h).filter(([name]) => name !== 'date' && name !== 'x-request-id'));
    expect(comparable(head.headers)).toEqual(comparable(get.headers));
    expect(Number(head.headers['content-length'])).toBeGreaterThan(0);
  });

  test('405 lists HEAD wherever GET is', async () => {
    const res = await post(server.url, '/v1/models', {});
    expectError(res, 405, 'method_not_allowed');
    expect(res.headers.allow).toBe('GET, HEAD');
  });
});

describe('11: SIGTERM while a client is still sending its body', () => {
  test('that client gets a retryable 503 shutting_down at once, and the process still exits 0 within the window', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
    try {
      let signalledAt = 0;
      const res = await rawExchange(server.port, {
        head: 'POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: body-at-sigterm\r\nContent-Type: application/json\r\n' +
          'Content-Length: 4000\r\n\r\n{"messages": [{"role": "user", "content": "',
        afterWrite: () => {
          // Let the server take the request in, then stop it while the body is still missing.
          setTimeout(() => {
            signalledAt = Date.now();
            server.child.kill('SIGTERM');
          }, 300);
        },
      });
      expectError(res, 503, 'shutting_down');
      expect(res.json.error.type).toBe('server_error');
      expect(res.headers['retry-after']).toBe('1');
      expect(res.headers.connection).toBe('close');
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
      expect(Date.now() - signalledAt).toBeLessThan(3000);
      expect(server.requestLogs().find((line) => line.status === 503)).toMatchObject({ status: 503, errorCode: 'shutting_down' });
    } finally {
      if (!server.hasExited) server.child.kill('SIGKILL');
    }
  });

  test('a client that keeps sending after the signal (Node\'s client) reads the 503 too', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
    try {
      const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
        const request = http.request(`${server.url}/v1/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': 200_000 }, agent: false });
        request.on('response', (response) => {
          let body = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => { body += chunk; });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
          response.on('error', () => resolve({ status: response.statusCode ?? 0, body }));
        });
        request.on('error', reject);
        request.write('{"messages": [{"role": "user", "content": "');
        let sent = 0;
        const drip = setInterval(() => {
          if (request.destroyed || sent >= 150) {
            clearInterval(drip);
            return;
          }
          request.write('x'.repeat(1000));
          if (++sent === 5) server.child.kill('SIGTERM');
        }, 20);
      });
      expect(answer.status).toBe(503);
      expect(JSON.parse(answer.body).error.code).toBe('shutting_down');
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
    } finally {
      if (!server.hasExited) server.child.kill('SIGKILL');
    }
  });
});

describe('12: Connection: close with an oversized body (lingering close)', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
  });
  afterAll(() => server?.stop());

  const TWENTY_MB = 20 * 1024 * 1024;

  test.each([
    ['declared by Content-Length', `Content-Length: ${TWENTY_MB}`],
    ['sent chunked', 'Transfer-Encoding: chunked'],
  ])('20 MB %s by a client that reads only once it has sent everything: it gets its 413 (3 tries)', async (_name, framing) => {
    const chunked = framing.startsWith('Transfer');
    const payload = Buffer.alloc(TWENTY_MB, 'x');
    const body = chunked ? Buffer.concat([Buffer.from(`${TWENTY_MB.toString(16)}\r\n`), payload, Buffer.from('\r\n0\r\n\r\n')]) : payload;
    for (let attempt = 0; attempt < 3; attempt++) {
      const res = await rawExchange(server.port, {
        head: `POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\n${framing}\r\n\r\n`,
        body,
        readAfterWrite: true,
      });
      expect({ error: res.error, status: res.status }).toEqual({ error: undefined, status: 413 });
      expectError(res, 413, 'request_too_large');
      expect(res.headers.connection).toBe('close');
      // The server closed the connection once the body was in (it does not wait for the client's FIN).
      expect(res.closed).toBe(true);
    }
    await expectStillServing(server);
  });
});
