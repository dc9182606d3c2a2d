/**
 * GGUF headers for the model-source tests: the metadata llama.cpp needs for a qwen2 model, no tensors,
 * optionally some keys left out and some payload bytes appended (a stand-in for tensor data, so downloads
 * have something to move). Not loadable by llama.cpp, which is not the point: the validator runs first.
 * Valid and validly structured headers come from test/gguf's writer; only the files no writer would
 * produce (another version number, an absurd array count) are patched or spelled out byte by byte.
 */
import { randomBytes } from 'crypto';
import { writeFileSync } from 'fs';
import { GgufMetadata, ggufHeaderOnlyBytes } from '../gguf';

export const QWEN2_KEYS: GgufMetadata = {
  'general.architecture': { type: 'string', value: 'qwen2' },
  'general.name': { type: 'string', value: 'fixture' },
  'qwen2.context_length': { type: 'u32', value: 4096 },
  'qwen2.embedding_length': { type: 'u32', value: 64 },
  'qwen2.block_count': { type: 'u32', value: 2 },
  'qwen2.feed_forward_length': { type: 'u32', value: 128 },
  'qwen2.attention.head_count': { type: 'u32', value: 4 },
  'qwen2.attention.head_count_kv': { type: 'u32', value: 2 },
  'qwen2.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
  'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
  'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b', 'ab'] },
  'tokenizer.ggml.merges': { type: 'string[]', value: ['a b'] },
};

export interface FixtureOptions {
  /** Metadata keys to leave out (the file then fails llama.cpp's key check, on purpose). */
  readonly omit?: readonly string[];
  /** Random bytes appended after the header. */
  readonly payloadBytes?: number;
  /** Written over the real version number (3), for files from a GGUF version the runtime must refuse. */
  readonly version?: number;
}

export function ggufHeaderBytes(options: FixtureOptions = {}): Buffer {
  const omit = options.omit ?? [];
  const metadata = Object.fromEntries(Object.entries(QWEN2_KEYS).filter(([key]) => !omit.includes(key)));
  const bytes = ggufHeaderOnlyBytes(metadata, { skipMetadataCheck: omit.length > 0 });
  // The version is the u32 right after the 4-byte magic in every GGUF version.
  if (options.version !== undefined) bytes.writeUInt32LE(options.version, 4);
  return bytes;
}

export function writeGgufFixture(path: string, options: FixtureOptions = {}): void {
  const payload = options.payloadBytes ? randomBytes(options.payloadBytes) : Buffer.alloc(0);
  writeFileSync(path, Buffer.concat([ggufHeaderBytes(options), payload]));
}

/**
 * A header whose only entry claims an array of 2^40 strings: a parser that trusts counts would hang or run
 * out of memory. No writer can claim items it does not have, so these bytes are spelled out here.
 */
export function writeHugeArrayGguf(path: string): void {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const u64 = (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(n);
    return b;
  };
  const key = Buffer.from('tokenizer.ggml.tokens', 'utf8');
  const STRING = 8;
  const ARRAY = 9;
  writeFileSync(path, Buffer.concat([
    Buffer.from('GGUF', 'latin1'), u32(3), u64(0n), u64(1n),
    u64(BigInt(key.length)), key, u32(ARRAY), u32(STRING), u64(2n ** 40n),
    randomBytes(64),
  ]));
}
