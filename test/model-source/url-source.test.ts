import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { startFileServer, type FileServer } from './file-server';
import { writeGgufFixture } from './gguf-fixture';
import { ensureRuntimeBuilt, runModelSource } from './run-model-source';

const HTTP_PORT = 18212;

let dir: string;
let server: FileServer;
let modelFile: string;
let modelSha256: string;

beforeAll(async () => {
  ensureRuntimeBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'url-source-'));
  modelFile = path.join(dir, 'served.gguf');
  writeGgufFixture(modelFile, { payloadBytes: 3 * 1024 * 1024 });
  modelSha256 = createHash('sha256').update(readFileSync(modelFile)).digest('hex');
  server = await startFileServer({ port: HTTP_PORT, files: { '/models/tiny-model.gguf': modelFile } });
});

afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Every file under a folder, relative to it. */
function filesUnder(folder: string): string[] {
  try {
    return readdirSync(folder, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => path.relative(folder, path.join(entry.parentPath, entry.name)));
  } catch {
    return [];
  }
}

const modelUrl = () => `${server.baseUrl}/models/tiny-model.gguf`;

test('downloads once with a matching checksum, then reuses the cached file without any request', async () => {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  server.requests.length = 0;
  const first = await runModelSource('resolve', { modelUrl: modelUrl(), modelSha256: modelSha256.toUpperCase(), cacheDir });
  expect(first.error).toBeUndefined();
  const downloaded = first.result as string;
  expect(downloaded.startsWith(cacheDir)).toBe(true);
  expect(path.basename(downloaded)).toBe('tiny-model.gguf');
  expect(readFileSync(downloaded).equals(readFileSync(modelFile))).toBe(true);
  expect(server.requests.length).toBeGreaterThan(0);
  expect(first.logs.map((e) => e.event)).toEqual(expect.arrayContaining(['model_download_start', 'model_download_complete', 'model_validated']));

  server.requests.length = 0;
  const second = await runModelSource('resolve', { modelUrl: modelUrl(), modelSha256, cacheDir });
  expect(second.result).toBe(downloaded);
  expect(server.requests).toEqual([]);
  expect(second.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_cache_hit', source: 'url' })]));
});

test('a wrong checksum fails clearly and leaves no model file behind', async () => {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  const wrong = 'ab'.repeat(32);
  const run = await runModelSource('resolve', { modelUrl: modelUrl(), modelSha256: wrong, cacheDir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toBe(
    `Checksum mismatch for the model downloaded from ${modelUrl()}: expected SHA-256 ${wrong}, got ${modelSha256}. ` +
    'The downloaded file was deleted. Check LLM_MODEL_URL and LLM_MODEL_SHA256.',
  );
  expect(filesUnder(cacheDir)).toEqual([]);

  // The failed attempt left nothing that a later, correct run could mistake for a verified model.
  const retry = await runModelSource('resolve', { modelUrl: modelUrl(), modelSha256, cacheDir });
  expect(retry.exitCode).toBe(0);
  expect(retry.logs.map((e) => e.event)).toContain('model_download_start');
});

test('a checksum that is not 64 hex characters is refused before any download', async () => {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  server.requests.length = 0;
  const run = await runModelSource('resolve', { modelUrl: modelUrl(), modelSha256: 'abc123', cacheDir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/LLM_MODEL_SHA256 must be a SHA-256 checksum of 64 hexadecimal characters/);
  expect(server.requests).toEqual([]);
});

test('without a checksum the download works and says it was not verified', async () => {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  const run = await runModelSource('resolve', { modelUrl: modelUrl(), cacheDir });
  expect(run.exitCode).toBe(0);
  expect(statSync(run.result as string).size).toBe(statSync(modelFile).size);
  expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_download_unverified', sha256: modelSha256 })]));
});

test('a URL that answers 404 is a clear error, leaves nothing behind and never logs the query string', async () => {
  const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
  const run = await runModelSource('resolve', { modelUrl: `${server.baseUrl}/models/absent.gguf?token=secret-token`, cacheDir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(new RegExp(`^Downloading the model from ${server.baseUrl}/models/absent\\.gguf\\?… failed: .*404`));
  expect(JSON.stringify(run.lines)).not.toContain('secret-token');
  expect(filesUnder(cacheDir)).toEqual([]);
});

test('a download that ends short of the size the server announced is fetched again, never kept', async () => {
  const spoilt = await startFileServer({ port: HTTP_PORT + 1, files: { '/models/tiny-model.gguf': modelFile }, announceExtraBytesOnce: 63 });
  try {
    const cacheDir = mkdtempSync(path.join(dir, 'cache-'));
    const run = await runModelSource('resolve', { modelUrl: `${spoilt.baseUrl}/models/tiny-model.gguf`, cacheDir });
    expect(run.error).toBeUndefined();
    expect(statSync(run.result as string).size).toBe(statSync(modelFile).size);
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_download_retry', source: 'url' })]));
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_download_unverified', sha256: modelSha256 })]));
  } finally {
    await spoilt.close();
  }
});
