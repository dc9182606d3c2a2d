/* eslint-disable no-bitwise -- float16 bit layouts, nibble packing and the PRNG are bit manipulation by nature */
/**
 * Tensor data generators for GgufWriter: each returns a function yielding the tensor's bytes in
 * chunks, so large tensors stream to disk instead of being built in memory.
 */
import { GgmlType, QK, encodeValues, tensorBytes, toFloat16Bits } from './ggml-types';

export type TensorData = () => Iterable<Uint8Array>;

const CHUNK = 1 << 20;

/** All-zero bytes: zero for F32/F16, and a zero scale (so all-zero values) for Q8_0/Q4_0. */
export function zeros(type: GgmlType, dims: readonly number[]): TensorData {
  const total = tensorBytes(type, dims);
  return function* () {
    const block = Buffer.alloc(Math.min(CHUNK, total));
    for (let left = total; left > 0; left -= block.length) yield left >= block.length ? block : block.subarray(0, left);
  };
}

/** A value repeated (F32 or F16; for norm weights and biases). */
export function filled(type: GgmlType.F32 | GgmlType.F16, count: number, value: number): TensorData {
  return () => [encodeValues(type, new Float32Array(count).fill(value))];
}

/** Values already in memory, encoded (quantized when asked) once. */
export function fromValues(type: GgmlType, values: Float32Array): TensorData {
  const bytes = encodeValues(type, values);
  return () => [bytes];
}

/** A small, fast, seedable generator (xorshift32); the data only has to look random and be repeatable. */
export class XorShift32 {
  private state: number;
  constructor(seed: number) {
    this.state = (seed >>> 0) || 0x9e3779b9;
  }
  nextU32(): number {
    let x = this.state;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.state = x;
    return x;
  }
  /** Uniform in [-1, 1). */
  nextSigned(): number {
    return this.nextU32() / 0x80000000 - 1;
  }
}

/** Uniform random values in [-scale, scale), encoded as `type` (for small tensors). */
export function randomValues(type: GgmlType, count: number, seed: number, scale: number): TensorData {
  const rng = new XorShift32(seed);
  const values = new Float32Array(count);
  for (let i = 0; i < count; i++) values[i] = rng.nextSigned() * scale;
  return fromValues(type, values);
}

/**
 * Random Q4_0 blocks written directly (random nibbles, one fixed scale), so a 1 GB model costs a
 * PRNG pass instead of quantizing a billion floats. Values are (nibble - 8) * scale.
 */
export function randomQ4_0(dims: readonly number[], seed: number, scale: number): TensorData {
  const total = tensorBytes(GgmlType.Q4_0, dims);
  const blockBytes = 2 + QK / 2;
  const blocksPerChunk = Math.floor(CHUNK / blockBytes);
  const scaleBits = toFloat16Bits(scale);
  return function* () {
    const rng = new XorShift32(seed);
    const words = new Uint32Array(Math.ceil((blocksPerChunk * blockBytes) / 4));
    const bytes = Buffer.from(words.buffer);
    for (let left = total; left > 0; ) {
      const n = Math.min(left, blocksPerChunk * blockBytes);
      const nWords = Math.ceil(n / 4);
      for (let i = 0; i < nWords; i++) words[i] = rng.nextU32();
      for (let at = 0; at < n; at += blockBytes) {
        bytes[at] = scaleBits & 0xff;
        bytes[at + 1] = scaleBits >>> 8;
      }
      // reusing the buffer is safe: GgufWriter consumes each chunk before asking for the next
      yield bytes.subarray(0, n);
      left -= n;
    }
  };
}

/**
 * Random Q8_0 blocks written directly (random int8 values, one fixed scale): the quantization of small
 * embedding models (Qwen3-Embedding-0.6B ships as Q8_0) at the cost of a PRNG pass. Values are q * scale.
 */
export function randomQ8_0(dims: readonly number[], seed: number, scale: number): TensorData {
  const total = tensorBytes(GgmlType.Q8_0, dims);
  const blockBytes = 2 + QK;
  const blocksPerChunk = Math.floor(CHUNK / blockBytes);
  const scaleBits = toFloat16Bits(scale);
  return function* () {
    const rng = new XorShift32(seed);
    const words = new Uint32Array(Math.ceil((blocksPerChunk * blockBytes) / 4));
    const bytes = Buffer.from(words.buffer);
    for (let left = total; left > 0; ) {
      const n = Math.min(left, blocksPerChunk * blockBytes);
      const nWords = Math.ceil(n / 4);
      for (let i = 0; i < nWords; i++) words[i] = rng.nextU32();
      for (let at = 0; at < n; at += blockBytes) {
        bytes[at] = scaleBits & 0xff;
        bytes[at + 1] = scaleBits >>> 8;
      }
      // reusing the buffer is safe: GgufWriter consumes each chunk before asking for the next
      yield bytes.subarray(0, n);
      left -= n;
    }
  };
}
