import { randomBytes } from 'crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import * as path from 'path';
import { ggufHeaderBytes, writeGgufFixture, writeHugeArrayGguf } from './gguf-fixture';
import { ensureRuntimeBuilt, runModelSource } from './run-model-source';

let dir: string;

beforeAll(() => {
  ensureRuntimeBuilt();
  dir = mkdtempSync(path.join(tmpdir(), 'gguf-validation-'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Verdict {
  readonly path: string;
  readonly error?: string;
  readonly summary?: Record<string, unknown>;
}

async function validate(files: Record<string, (file: string) => void>): Promise<Record<string, Verdict>> {
  const paths: Record<string, string> = {};
  for (const [name, write] of Object.entries(files)) {
    paths[name] = path.join(dir, `${name}.gguf`);
    write(paths[name]);
  }
  const run = await runModelSource('validate', Object.values(paths));
  expect(run.exitCode).toBe(0);
  const byPath = new Map(run.lines.map((line) => [line.path as string, line as unknown as Verdict]));
  return Object.fromEntries(Object.entries(paths).map(([name, file]) => [name, byPath.get(file)!]));
}

test('a complete header passes and is summarised', async () => {
  const { good } = await validate({ good: (file) => writeGgufFixture(file, { payloadBytes: 1000 }) });
  expect(good.error).toBeUndefined();
  expect(good.summary).toMatchObject({ architecture: 'qwen2', contextLength: 4096, blockCount: 2, embeddingLength: 64, vocabularySize: 3, tokenizerModel: 'gpt2', version: 3 });
});

test('files llama.cpp would abort on are refused with the file and the missing key named', async () => {
  const verdicts = await validate({
    randomBytes: (file) => writeFileSync(file, randomBytes(4096)),
    noFeedForward: (file) => writeGgufFixture(file, { omit: ['qwen2.feed_forward_length'] }),
    noHeadCount: (file) => writeGgufFixture(file, { omit: ['qwen2.attention.head_count'] }),
    noArchitecture: (file) => writeGgufFixture(file, { omit: ['general.architecture'] }),
    noContextLength: (file) => writeGgufFixture(file, { omit: ['qwen2.context_length'] }),
    noTokens: (file) => writeGgufFixture(file, { omit: ['tokenizer.ggml.tokens'] }),
    noMerges: (file) => writeGgufFixture(file, { omit: ['tokenizer.ggml.merges'] }),
    version1: (file) => writeGgufFixture(file, { version: 1 }),
    truncated: (file) => writeFileSync(file, ggufHeaderBytes().subarray(0, 200)),
    hugeArray: writeHugeArrayGguf,
    empty: (file) => writeFileSync(file, Buffer.alloc(0)),
  });
  const expectRefused = (name: string, pattern: RegExp) => {
    const verdict = verdicts[name];
    expect(verdict.summary).toBeUndefined();
    expect(verdict.error).toContain(verdict.path);
    expect(verdict.error).toMatch(pattern);
  };
  expectRefused('randomBytes', /does not start with the GGUF magic/);
  expectRefused('noFeedForward', /"qwen2\.feed_forward_length" is missing/);
  expectRefused('noHeadCount', /"qwen2\.attention\.head_count" is missing/);
  expectRefused('noArchitecture', /"general\.architecture" is missing/);
  expectRefused('noContextLength', /"qwen2\.context_length" is missing/);
  expectRefused('noTokens', /"tokenizer\.ggml\.tokens" is missing/);
  expectRefused('noMerges', /"tokenizer\.ggml\.merges"/);
  expectRefused('version1', /GGUF version 1 is not supported/);
  expectRefused('truncated', /truncated|remain/);
  expectRefused('hugeArray', /claims 1099511627776 items/);
  expectRefused('empty', /too short/);
});

test('resolveModelPath refuses an invalid local file with an error, not a crash', async () => {
  const file = path.join(dir, 'no-ffn.gguf');
  writeGgufFixture(file, { omit: ['qwen2.feed_forward_length'] });
  const run = await runModelSource('resolve', { modelPath: file, modelUrl: 'http://127.0.0.1:9/unused.gguf', cacheDir: dir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/no-ffn\.gguf is not a valid GGUF model: the metadata key "qwen2\.feed_forward_length" is missing/);
});

test('a local path that does not exist is a clear error', async () => {
  const missing = path.join(dir, 'missing.gguf');
  const run = await runModelSource('resolve', { modelPath: missing, modelUrl: 'http://127.0.0.1:9/unused.gguf', cacheDir: dir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toBe(`The model file ${missing} (LLM_MODEL_PATH) does not exist`);
});

test('a valid local path is returned as is and logged', async () => {
  const file = path.join(dir, 'local.gguf');
  writeGgufFixture(file);
  const run = await runModelSource('resolve', { modelPath: file, modelUrl: 'http://127.0.0.1:9/unused.gguf', cacheDir: dir });
  expect(run.exitCode).toBe(0);
  expect(run.result).toBe(file);
  expect(run.logs).toEqual(expect.arrayContaining([
    expect.objectContaining({ event: 'model_source', source: 'file', path: file }),
    expect.objectContaining({ event: 'model_validated', architecture: 'qwen2' }),
  ]));
});

test('only one of bucket and key is refused', async () => {
  const run = await runModelSource('resolve', { s3Bucket: 'b', modelUrl: 'http://127.0.0.1:9/x.gguf', cacheDir: dir });
  expect(run.exitCode).toBe(1);
  expect(run.error).toMatch(/LLM_MODEL_S3_BUCKET and LLM_MODEL_S3_KEY must be set together/);
});
