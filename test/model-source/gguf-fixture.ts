/**
 * Hand-written GGUF headers for validation tests: the metadata llama.cpp needs for a qwen2 model, no tensors,
 * optionally some keys left out and some payload bytes appended (a stand-in for tensor data, so downloads
 * have something to move). Not loadable by llama.cpp, which is not the point: the validator runs first.
 */
import { randomBytes } from 'crypto';
import { writeFileSync } from 'fs';

type Value =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'string[]'; readonly value: readonly string[] };

export const QWEN2_KEYS: ReadonlyArray<readonly [string, Value]> = [
  ['general.architecture', { type: 'string', value: 'qwen2' }],
  ['general.name', { type: 'string', value: 'fixture' }],
  ['qwen2.context_length', { type: 'u32', value: 4096 }],
  ['qwen2.embedding_length', { type: 'u32', value: 64 }],
  ['qwen2.block_count', { type: 'u32', value: 2 }],
  ['qwen2.feed_forward_length', { type: 'u32', value: 128 }],
  ['qwen2.attention.head_count', { type: 'u32', value: 4 }],
  ['qwen2.attention.head_count_kv', { type: 'u32', value: 2 }],
  ['qwen2.attention.layer_norm_rms_epsilon', { type: 'f32', value: 1e-6 }],
  ['tokenizer.ggml.model', { type: 'string', value: 'gpt2' }],
  ['tokenizer.ggml.tokens', { type: 'string[]', value: ['a', 'b', 'ab'] }],
  ['tokenizer.ggml.merges', { type: 'string[]', value: ['a b'] }],
];

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function u64(n: number | bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(BigInt(n));
  return b;
}

function str(s: string): Buffer {
  const bytes = Buffer.from(s, 'utf8');
  return Buffer.concat([u64(bytes.length), bytes]);
}

function encodeValue(v: Value): Buffer {
  switch (v.type) {
    case 'u32': return Buffer.concat([u32(4), u32(v.value)]);
    case 'f32': {
      const b = Buffer.alloc(4);
      b.writeFloatLE(v.value);
      return Buffer.concat([u32(6), b]);
    }
    case 'string': return Buffer.concat([u32(8), str(v.value)]);
    case 'string[]': return Buffer.concat([u32(9), u32(8), u64(v.value.length), ...v.value.map(str)]);
  }
}

export interface FixtureOptions {
  /** Metadata keys to leave out. */
  readonly omit?: readonly string[];
  /** Random bytes appended after the header. */
  readonly payloadBytes?: number;
  readonly version?: number;
}

export function ggufHeaderBytes(options: FixtureOptions = {}): Buffer {
  const entries = QWEN2_KEYS.filter(([key]) => !options.omit?.includes(key));
  const parts: Buffer[] = [Buffer.from('GGUF', 'latin1'), u32(options.version ?? 3), u64(0), u64(entries.length)];
  for (const [key, value] of entries) parts.push(str(key), encodeValue(value));
  return Buffer.concat(parts);
}

export function writeGgufFixture(path: string, options: FixtureOptions = {}): void {
  const payload = options.payloadBytes ? randomBytes(options.payloadBytes) : Buffer.alloc(0);
  writeFileSync(path, Buffer.concat([ggufHeaderBytes(options), payload]));
}

/** A header whose only entry claims an array of 2^40 strings: a parser that trusts counts would hang or run out of memory. */
export function writeHugeArrayGguf(path: string): void {
  writeFileSync(path, Buffer.concat([
    Buffer.from('GGUF', 'latin1'), u32(3), u64(0), u64(1),
    str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(2n ** 40n),
    randomBytes(64),
  ]));
}
