import { createHash } from 'crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { startFakeS3, type FakeS3 } from './fake-s3';
import { writeGgufFixture } from './gguf-fixture';
import { ensureRuntimeBuilt, runModelSource } from './run-model-source';
import { startExpectingFailure } from '../runtime/harness';

const S3_PORT = 18211;
const MIB = 1024 * 1024;

let dir: string;
let s3: FakeS3;
let modelFile: string;
let notGgufFile: string;
let oldModelFile: string;

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

beforeAll(async () => {
  ensureRuntimeBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 's3-source-'));
  modelFile = path.join(dir, 'source-model.gguf');
  writeGgufFixture(modelFile, { payloadBytes: 6 * MIB + 12345 });
  notGgufFile = path.join(dir, 'not-a-model.bin');
  writeFileSync(notGgufFile, Buffer.alloc(3 * MIB, 7));
  oldModelFile = path.join(dir, 'old-model.gguf');
  writeGgufFixture(oldModelFile, { payloadBytes: 2 * MIB + 99 });
  s3 = await startFakeS3({
    port: S3_PORT,
    objects: { 'models/team/model-v1.gguf': modelFile, 'models/broken.gguf': notGgufFile },
    versions: { 'models/team/model-v1.gguf': { 'v-2025-old': oldModelFile } },
    getDelayMs: 50,
  });
});

afterAll(async () => {
  await s3?.close();
  rmSync(dir, { recursive: true, force: true });
});

function s3Env(tmp: string): NodeJS.ProcessEnv {
  return {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: 'AKIDFAKEFAKEFAKE',
    AWS_SECRET_ACCESS_KEY: 'fake-secret',
    AWS_REGION: 'us-east-1',
    TMPDIR: tmp,
  };
}

const settings = (key: string) => ({
  s3Bucket: 'models',
  s3Key: key,
  s3PartSizeBytes: MIB,
  s3Concurrency: 4,
  modelUrl: 'http://127.0.0.1:9/never-used.gguf',
  cacheDir: path.join(dir, 'cache'),
});

test('fetches the object with parallel ranged GETs into TMPDIR, byte for byte, with progress in the log', async () => {
  const tmp = mkdtempSync(path.join(dir, 'tmp-'));
  s3.requests.length = 0;
  const run = await runModelSource('resolve', settings('team/model-v1.gguf'), s3Env(tmp));
  expect(run.error).toBeUndefined();
  expect(run.exitCode).toBe(0);

  const fetched = run.result as string;
  expect(fetched.startsWith(tmp)).toBe(true);
  expect(path.basename(fetched)).toBe('model-v1.gguf');
  expect(sha256(fetched)).toBe(sha256(modelFile));

  const gets = s3.requests.filter((r) => r.method === 'GET');
  expect(s3.requests.filter((r) => r.method === 'HEAD')).toHaveLength(1);
  expect(gets).toHaveLength(7); // 6 MiB + 12345 bytes + header in 1 MiB parts
  expect(gets.every((r) => /^bytes=\d+-\d+$/.test(r.range ?? ''))).toBe(true);
  expect(s3.requests.every((r) => r.signed)).toBe(true);
  expect(s3.maxConcurrentGets()).toBeGreaterThan(1);

  const events = run.logs.map((e) => e.event);
  expect(events).toEqual(expect.arrayContaining(['model_source', 'model_download_start', 'model_download_progress', 'model_download_complete', 'model_validated']));
  expect(run.logs.find((e) => e.event === 'model_download_start')).toMatchObject({ parts: 7, concurrency: 4 });
  expect(run.logs.find((e) => e.event === 'model_s3_fetch')).toMatchObject({ location: 's3://models/team/model-v1.gguf', mbPerSecond: expect.any(Number) });
  // Nothing but the finished file is left behind.
  expect(readdirSync(path.dirname(fetched))).toEqual(['model-v1.gguf']);
});

test('a warm start in the same sandbox reuses the complete file: one HEAD, no GET', async () => {
  const tmp = mkdtempSync(path.join(dir, 'tmp-'));
  const first = await runModelSource('resolve', settings('team/model-v1.gguf'), s3Env(tmp));
  expect(first.exitCode).toBe(0);
  s3.requests.length = 0;

  const second = await runModelSource('resolve', settings('team/model-v1.gguf'), s3Env(tmp));
  expect(second.exitCode).toBe(0);
  expect(second.result).toBe(first.result);
  expect(s3.requests.map((r) => r.method)).toEqual(['HEAD']);
  expect(second.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_cache_hit', source: 's3' })]));
});

test('a missing object is a clear error naming the location', async () => {
  const run = await runModelSource('resolve', settings('team/missing.gguf'), s3Env(mkdtempSync(path.join(dir, 'tmp-'))));
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/^Cannot read the model at s3:\/\/models\/team\/missing\.gguf: HTTP 404/);
  expect(run.error).toMatch(/no such bucket or key/);
});

test('an object that is not a GGUF model is downloaded, then refused before llama.cpp sees it', async () => {
  const run = await runModelSource('resolve', settings('broken.gguf'), s3Env(mkdtempSync(path.join(dir, 'tmp-'))));
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/broken\.gguf is not a valid GGUF model: it does not start with the GGUF magic bytes/);
});

test('a range cut off mid-body is fetched again and the file is still exact', async () => {
  const tmp = mkdtempSync(path.join(dir, 'tmp-'));
  s3.faults.cutNextGets = 2;
  const run = await runModelSource('resolve', settings('team/model-v1.gguf'), s3Env(tmp));
  expect(s3.faults.cutNextGets).toBe(0);
  expect(run.error).toBeUndefined();
  expect(sha256(run.result as string)).toBe(sha256(modelFile));
  expect(run.logs.filter((e) => e.event === 'model_download_retry').length).toBeGreaterThanOrEqual(1);
});

describe('pinning what runs (LlmModel.fromBucket objectVersion / sha256)', () => {
  test('a version id fetches that version, not the current object: every request names it', async () => {
    s3.requests.length = 0;
    const run = await runModelSource('resolve', { ...settings('team/model-v1.gguf'), s3VersionId: 'v-2025-old' }, s3Env(mkdtempSync(path.join(dir, 'tmp-'))));
    expect(run.error).toBeUndefined();
    expect(sha256(run.result as string)).toBe(sha256(oldModelFile));
    expect(s3.requests.length).toBeGreaterThan(1);
    expect(s3.requests.every((r) => r.versionId === 'v-2025-old')).toBe(true);
  });

  test('a matching sha256 is verified after the download and logged', async () => {
    const run = await runModelSource('resolve', { ...settings('team/model-v1.gguf'), modelSha256: sha256(modelFile) }, s3Env(mkdtempSync(path.join(dir, 'tmp-'))));
    expect(run.error).toBeUndefined();
    expect(sha256(run.result as string)).toBe(sha256(modelFile));
    expect(run.logs).toEqual(expect.arrayContaining([expect.objectContaining({ event: 'model_verified', sha256: sha256(modelFile) })]));
  });

  test('a mismatch is a clear error naming both checksums, and nothing is left to be served', async () => {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    const wrong = sha256(oldModelFile);
    const run = await runModelSource('resolve', { ...settings('team/model-v1.gguf'), modelSha256: wrong }, s3Env(tmp));
    expect(run.exitCode).toBe(1);
    expect(run.error).toBe(`Checksum mismatch for the model at s3://models/team/model-v1.gguf: expected SHA-256 ${wrong}, got ${sha256(modelFile)}. `
      + 'The download was deleted. Check the object (or its version) and the sha256 it is pinned to (LLM_MODEL_SHA256).');
    const leftovers = (folder: string): string[] => readdirSync(folder, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? leftovers(path.join(folder, e.name)) : [e.name]));
    expect(leftovers(tmp).filter((name) => name.includes('.gguf'))).toEqual([]);
  });

  test('the server refuses to start on a mismatch and says why in its log', async () => {
    const tmp = mkdtempSync(path.join(dir, 'tmp-'));
    const result = await startExpectingFailure({
      env: { ...s3Env(tmp), LLM_MODEL_S3_BUCKET: 'models', LLM_MODEL_S3_KEY: 'team/model-v1.gguf', LLM_MODEL_SHA256: sha256(oldModelFile), AWS_EC2_METADATA_DISABLED: 'true' },
    });
    expect(result.code).toBe(1);
    const failure = result.logs.find((line) => line.event === 'startup_failed');
    if (!failure) throw new Error(`no startup_failed line in:\n${result.output}`);
    expect(failure.error).toMatch(/^Checksum mismatch for the model at s3:\/\/models\/team\/model-v1\.gguf: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}/);
    expect(result.logs.some((line) => line.event === 'model_loaded')).toBe(false);
  });
});
