/**
 * The chat page's routes over plain HTTP: which requests get the page (browsers asking for text/html) and
 * which keep their old answers (POST /, GET / from curl), the fixed file list (no path reaches any other
 * file), the security headers, LLM_WEB_UI=false, and the page needing no key while the API does.
 * test/ui/ drives the page itself in a real browser.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { RUNTIME_DIR, ServerHandle, startServer } from './harness';
import { call, post } from './http-client';
import { scriptedModel } from './models';

const model = scriptedModel();
const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,*/*;q=0.8';
const UI_DIR = path.join(RUNTIME_DIR, 'ui');

const FILES: Record<string, string> = {
  '/ui/index.html': 'text/html; charset=utf-8',
  '/ui/style.css': 'text/css; charset=utf-8',
  '/ui/app.js': 'text/javascript; charset=utf-8',
  '/ui/chat-stream.js': 'text/javascript; charset=utf-8',
  '/ui/render-text.js': 'text/javascript; charset=utf-8',
  '/ui/api-errors.js': 'text/javascript; charset=utf-8',
  '/ui/icon.svg': 'image/svg+xml',
};

/** A request with its path sent byte for byte (URL parsing would resolve the dot segments first). */
function rawGet(server: ServerHandle, rawPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request({ host: '127.0.0.1', port: server.port, path: rawPath, method: 'GET', headers, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => { body += chunk; });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

function expectSecurityHeaders(headers: http.IncomingHttpHeaders): void {
  const csp = String(headers['content-security-policy']);
  const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([name, ...values]) => [name, values]));
  expect(directives['default-src']).toEqual(["'none'"]);
  expect(directives['script-src']).toEqual(["'self'"]);
  expect(directives['connect-src']).toEqual(["'self'"]);
  expect(directives['frame-ancestors']).toEqual(["'none'"]);
  expect(csp).not.toContain('unsafe-inline');
  expect(csp).not.toContain('unsafe-eval');
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
}

describe('LLM_WEB_UI unset (local default: on)', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
  });
  afterAll(() => server?.stop());

  test('GET / from a browser is the page, with the security headers', async () => {
    const page = await call(server.url, '/', { headers: { accept: BROWSER_ACCEPT } });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(page.text).toBe(fs.readFileSync(path.join(UI_DIR, 'index.html'), 'utf8'));
    expectSecurityHeaders(page.headers);
    const line = await server.requestLog(String(page.headers['x-request-id']));
    expect(line).toMatchObject({ route: 'web-ui', method: 'GET', status: 200 });
  });

  test.each(Object.entries(FILES))('%s is served as %s, byte for byte, with the security headers', async (urlPath, contentType) => {
    const file = await call(server.url, urlPath);
    expect(file.status).toBe(200);
    expect(file.headers['content-type']).toBe(contentType);
    expect(file.text).toBe(fs.readFileSync(path.join(UI_DIR, path.basename(urlPath)), 'utf8'));
    expect(Number(file.headers['content-length'])).toBe(fs.statSync(path.join(UI_DIR, path.basename(urlPath))).size);
    expectSecurityHeaders(file.headers);
  });

  test('the fixed list is every file of runtime/ui, and the HTML has no inline script, style or handler', () => {
    expect(fs.readdirSync(UI_DIR).sort()).toEqual(Object.keys(FILES).map((p) => path.basename(p)).sort());
    const html = fs.readFileSync(path.join(UI_DIR, 'index.html'), 'utf8');
    expect(html.match(/<script\b[^>]*>/g)).toEqual(['<script type="module" src="/ui/app.js">']);
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    // Nothing loads from another origin.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  test('HEAD / from a browser: the page\'s headers, no body', async () => {
    const head = await call(server.url, '/', { method: 'HEAD', headers: { accept: 'text/html' } });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    expect(Number(head.headers['content-length'])).toBe(fs.statSync(path.join(UI_DIR, 'index.html')).size);
  });

  test.each([
    ['no Accept header', undefined],
    ['curl\'s */*', '*/*'],
    ['JSON', 'application/json'],
    ['text/html refused (q=0)', 'text/html;q=0, */*'],
  ])('GET / with %s keeps today\'s 405 (use POST)', async (_name, accept) => {
    const result = await call(server.url, '/', { headers: accept === undefined ? {} : { accept } });
    expect(result.status).toBe(405);
    expect(result.headers.allow).toBe('POST');
    expect(result.json.error).toMatchObject({ type: 'invalid_request_error', code: 'method_not_allowed' });
  });

  test('POST / is the original contract, whatever the Accept header says', async () => {
    for (const accept of [undefined, 'text/html']) {
      const result = await post(server.url, '/', { prompt: 'hi' }, accept === undefined ? {} : { accept });
      expect(result.status).toBe(200);
      expect(result.json).toMatchObject({ response: model.answer, reasoning: model.reasoning, finish_reason: 'stop' });
    }
  });

  test.each([
    '/ui/../package.json', '/ui/%2e%2e/package.json', '/ui/..%2fpackage.json', '/ui/', '/ui', '/ui/index.html/',
    '/ui//app.js', '/ui/APP.JS', '/ui/app.js%00', '/ui/constructor', '/ui/__proto__', '/ui/../dist/server.js', '/index.html',
  ])('%s is not a file of the page: 404, nothing read', async (rawPath) => {
    const result = await rawGet(server, rawPath, { accept: BROWSER_ACCEPT });
    expect(result.status).toBe(404);
    expect(JSON.parse(result.body).error.code).toBe('not_found');
  });

  test('the page\'s files take GET and HEAD only', async () => {
    const result = await post(server.url, '/ui/app.js', { x: 1 });
    expect(result.status).toBe(405);
    expect(result.headers.allow).toBe('GET, HEAD');
  });

  test('the API routes answer as before (no security headers of the page, JSON as ever)', async () => {
    const models = await call(server.url, '/v1/models', { headers: { accept: BROWSER_ACCEPT } });
    expect(models.status).toBe(200);
    expect(models.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(models.json.object).toBe('list');
    expect(models.headers['content-security-policy']).toBeUndefined();
  });
});

describe('LLM_WEB_UI=false (the Lambda image\'s default)', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_WEB_UI: 'false' } });
  });
  afterAll(() => server?.stop());

  test('GET / from a browser is the 405 of before, the files are 404, POST / answers', async () => {
    expect((await call(server.url, '/', { headers: { accept: BROWSER_ACCEPT } })).status).toBe(405);
    for (const urlPath of Object.keys(FILES)) expect((await call(server.url, urlPath)).status).toBe(404);
    expect((await post(server.url, '/', { prompt: 'hi' })).json.response).toBe(model.answer);
    expect(server.logs.find((line) => line.event === 'config')).toMatchObject({ webUi: false });
  });
});

describe('with a bearer key', () => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_API_KEY: 'page-test-key' } });
  });
  afterAll(() => server?.stop());

  test('the page and its files need no key (a browser cannot send one when it navigates); the API still does', async () => {
    expect((await call(server.url, '/', { headers: { accept: BROWSER_ACCEPT } })).status).toBe(200);
    for (const urlPath of Object.keys(FILES)) expect((await call(server.url, urlPath)).status).toBe(200);
    expect((await call(server.url, '/v1/models')).status).toBe(401);
    expect((await post(server.url, '/', { prompt: 'hi' })).status).toBe(401);
    // Paths that are not the page's stay behind the key, as before.
    expect((await rawGet(server, '/ui/../package.json')).status).toBe(401);
  });
});
