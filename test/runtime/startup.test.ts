/**
 * Start-up: the environment contract (every variable, validated, documented), the order of events the
 * Lambda Web Adapter relies on (listen first, /health 503 until the model is loaded), refusals that
 * name their cause, and the CLI entry.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { RUNTIME_DIR, freePort, startExpectingFailure, startServer } from './harness';
import { call, post } from './http-client';
import { scriptedModel, tinyModel } from './models';
import { startFakeS3 } from '../model-source/fake-s3';
import { startFileServer } from '../model-source/file-server';

// The fixed contract between construct and runtime (BRIEF.md), in its order.
const CONTRACT = [
  'PORT', 'HOST', 'LLM_MODEL_PATH', 'LLM_MODEL_URL', 'LLM_MODEL_SHA256', 'LLM_MODEL_CACHE_DIR', 'LLM_MODEL_S3_BUCKET',
  'LLM_MODEL_S3_KEY', 'LLM_MODEL_S3_VERSION_ID', 'LLM_MODEL_ID', 'LLM_CONTEXT_SIZE', 'LLM_THREADS', 'LLM_PARALLEL', 'LLM_MAX_TOKENS', 'LLM_MAX_GENERATION_SECONDS',
  'LLM_DEADLINE_MARGIN_MS', 'LLM_QUEUE_SIZE', 'LLM_MAX_BODY_BYTES', 'LLM_REQUEST_TIMEOUT_SECONDS', 'LLM_ALLOWED_ORIGINS', 'LLM_API_KEY', 'LLM_API_KEY_SECRET_ARN',
  'LLM_LOG_PROMPTS', 'LLM_USE_MMAP', 'LLM_ISOLATE_REQUESTS', 'LLM_TRUST_LAMBDA_CONTEXT', 'LLM_METRICS_NAMESPACE',
  'LLM_EMBEDDINGS', 'LLM_EMBEDDINGS_TRUNCATE', 'LLM_WEB_UI',
  'AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH', 'AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH',
];

function documentedVariables(): Array<{ name: string; default: string; description: string }> {
  const script = 'import("./dist/config.js").then((m) => process.stdout.write(JSON.stringify(m.ENV_VARS)))';
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: RUNTIME_DIR, encoding: 'utf8' }));
}

describe('the environment variables', () => {
  test('config.ts documents exactly the contract, each with a default and a description', () => {
    const documented = documentedVariables();
    expect(documented.map((v) => v.name)).toEqual(CONTRACT);
    for (const variable of documented) {
      expect(variable.default.length).toBeGreaterThan(0);
      expect(variable.description.length).toBeGreaterThan(10);
    }
  });

  test('runtime/README.md has the same table: one row per variable, with its default and meaning', () => {
    const readme = fs.readFileSync(path.join(RUNTIME_DIR, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Environment variables'), readme.indexOf('\n## ', readme.indexOf('## Environment variables')));
    const rows = section.split('\n').filter((line) => line.startsWith('| `'));
    expect(rows).toEqual(documentedVariables().map((v) => `| \`${v.name}\` | ${v.default} | ${v.description} |`));
  });

  const INVALID: Array<[string, string]> = [
    ['LLM_CONTEXT_SIZE', 'lots'],
    ['LLM_CONTEXT_SIZE', '-5'],
    ['PORT', '70000'],
    ['LLM_THREADS', '0'],
    ['LLM_MAX_TOKENS', '1.5'],
    ['LLM_QUEUE_SIZE', 'none'],
    ['LLM_PARALLEL', '0'],
    ['LLM_PARALLEL', '65'],
    ['LLM_MAX_BODY_BYTES', '10'],
    ['LLM_REQUEST_TIMEOUT_SECONDS', '0'],
    ['LLM_REQUEST_TIMEOUT_SECONDS', '3601'],
    ['LLM_ALLOWED_ORIGINS', 'https://app.example.com/chat'],
    ['LLM_ALLOWED_ORIGINS', 'app.example.com'],
    ['LLM_ALLOWED_ORIGINS', 'https://ok.example.com, null'],
    ['LLM_DEADLINE_MARGIN_MS', 'soon'],
    ['LLM_MAX_GENERATION_SECONDS', '-1'],
    ['LLM_MODEL_SHA256', 'not-a-checksum'],
    ['LLM_MODEL_S3_VERSION_ID', 'version-without-an-object'],
    ['LLM_MODEL_URL', 'ftp://example.com/model.gguf'],
    ['LLM_LOG_PROMPTS', 'maybe'],
    ['LLM_USE_MMAP', 'sometimes'],
    ['LLM_TRUST_LAMBDA_CONTEXT', 'yes please'],
    ['LLM_ISOLATE_REQUESTS', 'mostly'],
    ['LLM_WEB_UI', 'sometimes'],
    ['LLM_EMBEDDINGS', 'please'],
    ['LLM_EMBEDDINGS_TRUNCATE', 'a bit'],
    ['LLM_API_KEY', ' '],
    ['LLM_API_KEY', ''],
    ['LLM_API_KEY_SECRET_ARN', '  '],
    ['LLM_API_KEY_SECRET_ARN', 'my-secret'],
    ['LLM_MODEL_S3_BUCKET', 'bucket-without-key'],
    ['LLM_MODEL_S3_KEY', 'key-without-bucket'],
    ['LLM_METRICS_NAMESPACE', 'AWS/Lambda'],
    ['LLM_MODEL_ID', 'has spaces in it'],
    ['AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH', '/v1/chat/completions'],
    ['AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH', 'no-leading-slash'],
    ['AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH', '/health'],
    ['AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH', '/_snapstart/../v1/models'],
    ['AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH', '/hook%2fpath'],
  ];

  test('every invalid value is a ConfigError naming its variable (loadConfig, one process for all cases)', () => {
    const script = `import("./dist/config.js").then((m) => {
      const results = JSON.parse(process.argv[1]).map(([name, value]) => {
        try { m.loadConfig({ [name]: value }); return { name, accepted: true }; }
        catch (e) { return { name, error: e.name, variable: e.variable, message: e.message }; }
      });
      process.stdout.write(JSON.stringify(results));
    })`;
    const results = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(INVALID)], { cwd: RUNTIME_DIR, encoding: 'utf8' }));
    expect(results).toEqual(INVALID.map(([name]) => ({ name, error: 'ConfigError', variable: name, message: expect.stringContaining(name) })));
  });

  test.each(INVALID.slice(0, 3))('the server refuses to start with %s=%s, before listening', async (name, value) => {
    const result = await startExpectingFailure({ env: { LLM_MODEL_PATH: '/nonexistent.gguf', [name]: value } });
    expect(result.code).toBe(1);
    const failure = result.logs.find((line) => line.event === 'startup_failed');
    expect(failure).toMatchObject({ level: 'error', variable: name });
    expect(failure!.message).toContain(name);
    expect(result.logs.some((line) => line.event === 'listening')).toBe(false);
  });

  test('valid settings parse to what they say; defaults follow the table', () => {
    const script = `import("./dist/config.js").then((m) => process.stdout.write(JSON.stringify([
      m.loadConfig({}),
      m.loadConfig({ PORT: '9000', LLM_THREADS: '3', LLM_PARALLEL: '4', LLM_LOG_PROMPTS: 'TRUE', LLM_USE_MMAP: 'true', LLM_WEB_UI: 'false', LLM_MODEL_SHA256: '${'A'.repeat(64)}', HOME: '/nonexistent',
        LLM_REQUEST_TIMEOUT_SECONDS: '30', LLM_ALLOWED_ORIGINS: 'HTTPS://App.Example.com:443/, http://localhost:3000,,chrome-extension://ABC, *' }),
    ])))`;
    const [defaults, custom] = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: RUNTIME_DIR, encoding: 'utf8' }));
    expect(defaults).toMatchObject({
      port: 8080,
      host: '127.0.0.1',
      contextSize: 4096,
      maxTokens: 2048,
      maxGenerationSeconds: 0,
      deadlineMarginMs: 1500,
      queueSize: 4,
      maxBodyBytes: 1048576,
      requestTimeoutSeconds: 300,
      allowedOrigins: [],
      logPrompts: false,
      useMmap: false,
      metricsNamespace: 'LlmFunctionUrl',
      functionName: 'local',
      threads: os.availableParallelism(),
      parallel: 1,
      webUi: true,
    });
    expect(defaults.modelUrl).toMatch(/DeepSeek-R1-Distill-Qwen-1\.5B-Q4_K_M\.gguf$/);
    expect(custom).toMatchObject({ port: 9000, threads: 3, parallel: 4, logPrompts: true, useMmap: true, webUi: false, modelSha256: 'a'.repeat(64), requestTimeoutSeconds: 30 });
    // Origins as browsers send them: lower case, no default port, no trailing slash.
    expect(custom.allowedOrigins).toEqual(['https://app.example.com', 'http://localhost:3000', 'chrome-extension://abc', '*']);
    // HOME not writable: downloads go under the temporary folder.
    expect(custom.modelCacheDir).toBe(path.join(os.tmpdir(), 'llm-function-url', 'models'));
  });

  test('LLM_API_KEY and LLM_API_KEY_SECRET_ARN together are refused', async () => {
    const result = await startExpectingFailure({
      env: { LLM_API_KEY: 'k', LLM_API_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:k-AbCdEf' },
    });
    expect(result.code).toBe(1);
    expect(result.logs.find((line) => line.event === 'startup_failed')?.message).toMatch(/LLM_API_KEY.*LLM_API_KEY_SECRET_ARN/);
  });
});

describe('model problems stop the start-up cleanly', () => {
  test('a missing file', async () => {
    const result = await startExpectingFailure({ env: { LLM_MODEL_PATH: '/nonexistent/model.gguf' } });
    expect(result.code).toBe(1);
    expect(result.logs.find((line) => line.event === 'startup_failed')?.error).toMatch(/does not exist/);
  });

  test('a file that is not a GGUF model exits with an error, not a native crash', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-not-gguf-'));
    const file = path.join(dir, 'model.gguf');
    fs.writeFileSync(file, 'this is not a model\n'.repeat(100));
    try {
      const result = await startExpectingFailure({ env: { LLM_MODEL_PATH: file } });
      expect(result.code).toBe(1);
      expect(result.logs.some((line) => line.event === 'startup_failed')).toBe(true);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('where the model comes from, end to end (the model-source module behind the server)', () => {
  const model = scriptedModel();
  const chatAnswer = async (url: string) =>
    (await post(url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], temperature: 0 })).json.choices[0].message.content;

  test('no LLM_MODEL_PATH: LLM_MODEL_URL is downloaded once (checksum verified) into LLM_MODEL_CACHE_DIR, then served from the cache', async () => {
    const cacheDir = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-model-cache-'));
    const files = await startFileServer({ port: await freePort(), files: { '/models/scripted.gguf': model.path } });
    const sha256 = createHash('sha256').update(fs.readFileSync(model.path)).digest('hex');
    const env = { LLM_MODEL_URL: `${files.baseUrl}/models/scripted.gguf`, LLM_MODEL_SHA256: sha256, LLM_MODEL_CACHE_DIR: cacheDir };
    try {
      const first = await startServer({ env });
      try {
        expect(await chatAnswer(first.url)).toBe(model.answer);
        expect((await call(first.url, '/v1/models')).json.data[0].id).toBe('scripted');
      } finally {
        await first.stop();
      }
      const downloads = files.requests.filter((request) => request.startsWith('GET')).length;
      expect(downloads).toBeGreaterThan(0);
      const second = await startServer({ env });
      try {
        expect(await chatAnswer(second.url)).toBe(model.answer);
      } finally {
        await second.stop();
      }
      expect(files.requests.filter((request) => request.startsWith('GET')).length).toBe(downloads);
    } finally {
      await files.close();
      fs.rmSync(cacheDir, { recursive: true, force: true });
    }
  });

  test('LLM_MODEL_S3_BUCKET and LLM_MODEL_S3_KEY: fetched from S3 (AWS_ENDPOINT_URL_S3) at start, then served', async () => {
    const s3 = await startFakeS3({ port: await freePort(), objects: { 'model-bucket/models/scripted.gguf': model.path } });
    // The download goes under the temporary folder (Lambda's /tmp): give this run its own.
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'runtime-s3-tmp-'));
    try {
      const server = await startServer({
        env: {
          TMPDIR: tmp,
          LLM_MODEL_S3_BUCKET: 'model-bucket',
          LLM_MODEL_S3_KEY: 'models/scripted.gguf',
          AWS_ENDPOINT_URL_S3: s3.endpoint,
          AWS_REGION: 'us-east-1',
          AWS_ACCESS_KEY_ID: 'AKIDEXAMPLETEST00000',
          AWS_SECRET_ACCESS_KEY: 'dummy',
          AWS_EC2_METADATA_DISABLED: 'true',
        },
      });
      try {
        expect(await chatAnswer(server.url)).toBe(model.answer);
        expect(s3.requests.some((request) => request.method === 'GET' && request.key === 'models/scripted.gguf' && request.signed)).toBe(true);
        expect(server.logs.find((line) => line.event === 'model_loaded')?.modelPath.startsWith(tmp)).toBe(true);
      } finally {
        await server.stop();
      }
    } finally {
      await s3.close();
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('start-up order', () => {
  test('listens first, answers /health 503 and the API 503 while loading, then 200 once ready', async () => {
    const model = tinyModel();
    const server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: '300' }, until: 'listening' });
    try {
      const loading = await call(server.url, '/health');
      const api = await call(server.url, '/v1/models');
      await server.waitForLog((line) => line.event === 'ready');
      const ready = await call(server.url, '/health');

      expect(loading.status).toBe(503);
      expect(loading.json).toEqual({ status: 'loading' });
      expect(loading.headers['retry-after']).toBe('1');
      expect(api.status).toBe(503);
      expect(api.json.error).toMatchObject({ type: 'server_error', code: 'model_loading' });
      expect(ready.status).toBe(200);

      const events = server.logs.map((line) => line.event);
      expect(events.indexOf('listening')).toBeLessThan(events.indexOf('model_loaded'));
      expect(events.indexOf('model_loaded')).toBeLessThan(events.indexOf('ready'));
      // The effective context size is read back: llama.cpp rounds 300 up.
      const loaded = server.logs.find((line) => line.event === 'model_loaded')!;
      expect(loaded).toMatchObject({ requestedContextSize: 300, contextSize: 512, threads: 1, modelId: path.basename(model.path, '.gguf') });
      expect(loaded.loadMs).toBeGreaterThan(0);
      expect(server.logs.find((line) => line.event === 'ready')!.startupMs).toBeGreaterThan(0);
    } finally {
      await server.stop();
    }
  });

  test('LLM_MODEL_ID renames the model everywhere', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: scriptedModel().path, LLM_MODEL_ID: 'deepseek-r1:1.5b' } });
    try {
      expect((await call(server.url, '/v1/models')).json.data[0].id).toBe('deepseek-r1:1.5b');
      expect((await post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'x' }], max_tokens: 1 })).json.model).toBe('deepseek-r1:1.5b');
    } finally {
      await server.stop();
    }
  });
});

describe('the CLI entry (runtime/dist/cli.js)', () => {
  const cli = path.join(RUNTIME_DIR, 'dist', 'cli.js');

  test('--help lists the flags', () => {
    const help = execFileSync(process.execPath, [cli, '--help'], { encoding: 'utf8' });
    expect(help).toMatch(/--model/);
    expect(help).toMatch(/--port/);
    expect(help).toMatch(/--allowed-origins .*\[LLM_ALLOWED_ORIGINS\]/);
  });

  test('--model and --port serve a local GGUF', async () => {
    const model = scriptedModel();
    const port = await freePort();
    const server = await startServer({
      args: [cli, '--model', model.path, '--port', String(port), '--context-size', '1024', '--allowed-origins', 'https://app.example.com'], env: { PORT: String(port) },
    });
    try {
      const res = await post(server.url, '/', { prompt: 'hello', temperature: 0 });
      expect(res.json.response).toBe(model.answer);
      expect(server.logs.find((line) => line.event === 'model_loaded')?.contextSize).toBe(1024);
      expect(server.logs.find((line) => line.event === 'config')?.allowedOrigins).toEqual(['https://app.example.com']);
    } finally {
      await server.stop();
    }
  });

  test('an unknown flag is refused', async () => {
    const result = await startExpectingFailure({ args: [cli, '--modle', 'x.gguf'] });
    expect(result.code).not.toBe(0);
    expect(result.output).toMatch(/modle/);
  });
});

test('more threads than CPUs is allowed but logged as a warning (it can slow generation down a hundredfold)', async () => {
  const model = await tinyModel();
  const threads = os.availableParallelism() + 2;
  const server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_THREADS: String(threads) }, until: 'listening' });
  try {
    const warning = await server.waitForLog((line) => line.event === 'threads_exceed_cpus');
    expect(warning).toMatchObject({ level: 'warn', threads, cpus: os.availableParallelism() });
  } finally {
    await server.stop();
  }
});
