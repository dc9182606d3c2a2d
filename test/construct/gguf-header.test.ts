import * as fs from 'fs';
import * as path from 'path';
import { cleanTempDirs, QWEN2_1_5B_METADATA, tempDir } from './fixtures';
import { readGgufModelInfo } from '../../src/models/gguf-header';
import { LlmModelKind } from '../../src/models/llm-model-kind';
import { writeGgufHeaderOnly } from '../gguf';

afterAll(cleanTempDirs);

describe('readGgufModelInfo', () => {
  test('reads the architecture, the kind, the vocabulary size, the KV cache shape and the trained context, skipping token texts', () => {
    const file = writeGgufHeaderOnly(path.join(tempDir(), 'qwen.gguf'), QWEN2_1_5B_METADATA);
    expect(readGgufModelInfo(file)).toEqual({
      architecture: 'qwen2',
      kind: LlmModelKind.GENERATION,
      vocabularySize: 5,
      kvCache: { blockCount: 28, kvHeadCount: 2, keyLength: 128, valueLength: 128 },
      trainedContextLength: 131072,
    });
  });

  test('explicit key/value lengths and per-layer KV head counts win over the defaults', () => {
    const file = writeGgufHeaderOnly(path.join(tempDir(), 'odd.gguf'), {
      'general.architecture': { type: 'string', value: 'llama' },
      'llama.block_count': { type: 'u32', value: 3 },
      'llama.embedding_length': { type: 'u32', value: 4096 },
      'llama.attention.head_count': { type: 'u32', value: 32 },
      'llama.attention.head_count_kv': { type: 'u32[]', value: [8, 4, 2] },
      'llama.attention.key_length': { type: 'u32', value: 192 },
      'llama.attention.value_length': { type: 'u32', value: 128 },
    }, { skipMetadataCheck: true }); // no tokenizer or context length: only the KV cache keys matter here
    expect(readGgufModelInfo(file).kvCache).toEqual({ blockCount: 3, kvHeadCount: 8, keyLength: 192, valueLength: 128 });
  });

  test('without attention keys there is no shape (the tuner then estimates)', () => {
    const file = writeGgufHeaderOnly(path.join(tempDir(), 'mamba.gguf'), {
      'general.architecture': { type: 'string', value: 'mamba' },
      'mamba.block_count': { type: 'u32', value: 64 },
    }, { skipMetadataCheck: true });
    expect(readGgufModelInfo(file)).toEqual({ architecture: 'mamba', kind: LlmModelKind.GENERATION, kvCache: undefined, trainedContextLength: undefined });
  });

  test('a file that is not GGUF gets a clear error', () => {
    const file = path.join(tempDir(), 'weights.bin');
    fs.writeFileSync(file, 'PK\u0003\u0004 this is a zip file, not a model');
    expect(() => readGgufModelInfo(file)).toThrow(/is not a GGUF model \(it starts with "PK\\u0003\\u0004" instead of "GGUF"\)/);
  });

  test('a truncated header gets a clear error', () => {
    const full = writeGgufHeaderOnly(path.join(tempDir(), 'full.gguf'), QWEN2_1_5B_METADATA);
    const truncated = path.join(tempDir(), 'truncated.gguf');
    fs.writeFileSync(truncated, fs.readFileSync(full).subarray(0, 120));
    expect(() => readGgufModelInfo(truncated)).toThrow(/ends inside its GGUF header/);
  });

  test('an unsupported GGUF version and a missing architecture are refused', () => {
    const v1 = path.join(tempDir(), 'v1.gguf');
    fs.writeFileSync(v1, Buffer.concat([Buffer.from('GGUF'), Buffer.from([1, 0, 0, 0]), Buffer.alloc(16)]));
    expect(() => readGgufModelInfo(v1)).toThrow(/GGUF version 1; only versions 2 and 3/);
    const noArch = writeGgufHeaderOnly(path.join(tempDir(), 'noarch.gguf'), { 'general.name': { type: 'string', value: 'x' } }, { skipMetadataCheck: true });
    expect(() => readGgufModelInfo(noArch)).toThrow(/has no general.architecture/);
  });
});
