/**
 * The image build's model step (runtime/dist/model-source/build-time-model.js, run by the Dockerfile) refuses a
 * model larger than MODEL_MAX_BYTES, the size the construct sized the function for: a `size` declared too small
 * would otherwise build an image whose function runs out of memory at its first load.
 */
import { spawn } from 'child_process';
import { createHash } from 'crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { startFileServer, type FileServer } from './file-server';
import { writeGgufFixture } from './gguf-fixture';
import { ensureRuntimeBuilt } from './run-model-source';

const SCRIPT = path.join(__dirname, '..', '..', 'runtime', 'dist', 'model-source', 'build-time-model.js');
const PORT = 18214;
const CHUNKED_PORT = 18215;

let dir: string;
let model: string;
let modelBytes: number;
let modelSha256: string;
let server: FileServer;
let chunkedServer: FileServer;

beforeAll(async () => {
  ensureRuntimeBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'build-time-model-'));
  model = path.join(dir, 'served.gguf');
  writeGgufFixture(model, { payloadBytes: 2 * 1024 * 1024 });
  modelBytes = statSync(model).size;
  modelSha256 = createHash('sha256').update(readFileSync(model)).digest('hex');
  server = await startFileServer({ port: PORT, files: { '/m.gguf': model } });
  chunkedServer = await startFileServer({ port: CHUNKED_PORT, files: { '/m.gguf': model }, chunked: true });
});

afterAll(async () => {
  await server?.close();
  await chunkedServer?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** Runs the build step as the Dockerfile does, with the build args as environment variables. */
function buildStep(mode: 'fetch' | 'check', target: string, env: Record<string, string>): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SCRIPT, mode, target], { env: { PATH: process.env.PATH, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

const destination = () => path.join(mkdtempSync(path.join(dir, 'out-')), 'model.gguf');
const fetchEnv = (base: string, maxBytes?: number) => ({
  MODEL_URL: `${base}/m.gguf`,
  MODEL_SHA256: modelSha256,
  ...(maxBytes === undefined ? {} : { MODEL_MAX_BYTES: String(maxBytes) }),
});

describe('fetch (MODEL_SOURCE=url)', () => {
  test('a model larger than MODEL_MAX_BYTES fails the build before downloading it, naming both sizes and the fix', async () => {
    const target = destination();
    const run = await buildStep('fetch', target, fetchEnv(server.baseUrl, modelBytes - 1));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`ERROR (model for the image): the model is ${modelBytes} bytes, more than MODEL_MAX_BYTES (${modelBytes - 1} bytes), the size the function's memory was sized for`);
    expect(run.stderr).toContain(`Declare the model's real size in LlmModel.fromUrl's size option (Size.bytes(${modelBytes}))`);
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
    // Deterministic, so not retried: one request, no "retry" line.
    expect(run.stdout).not.toContain('model_download_retry');
  });

  test('without Content-Length, the download stops as soon as it passes the limit', async () => {
    const target = destination();
    const run = await buildStep('fetch', target, fetchEnv(chunkedServer.baseUrl, 64 * 1024));
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('the model is more than 65536 bytes, more than MODEL_MAX_BYTES (65536 bytes)');
    expect(existsSync(target)).toBe(false);
    expect(existsSync(`${target}.partial`)).toBe(false);
  });

  test.each([
    ['equal to the file', () => modelBytes],
    ['larger than the file (a size rounded up)', () => modelBytes * 2],
  ])('MODEL_MAX_BYTES %s: the model is fetched and verified', async (_name, maxBytes) => {
    const target = destination();
    const run = await buildStep('fetch', target, fetchEnv(chunkedServer.baseUrl, maxBytes()));
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readFileSync(target).equals(readFileSync(model))).toBe(true);
  });

  test('MODEL_MAX_BYTES that is not a whole number of bytes is refused', async () => {
    const run = await buildStep('fetch', destination(), { ...fetchEnv(server.baseUrl), MODEL_MAX_BYTES: '1.5e9' });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('MODEL_MAX_BYTES must be a whole number of bytes, got "1.5e9"');
  });
});

describe('check (MODEL_SOURCE=file)', () => {
  test('a file larger than the size synth read fails the build', async () => {
    const run = await buildStep('check', model, { MODEL_MAX_BYTES: String(modelBytes - 1) });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`the model is ${modelBytes} bytes, more than MODEL_MAX_BYTES (${modelBytes - 1} bytes)`);
    expect(run.stderr).toContain('The file grew after cdk synth read its size; synthesize again.');
  });

  test('the file synth measured passes', async () => {
    const run = await buildStep('check', model, { MODEL_MAX_BYTES: String(modelBytes) });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
  });
});
