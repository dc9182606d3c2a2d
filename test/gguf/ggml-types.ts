/* eslint-disable no-bitwise -- float16 bit layouts, nibble packing and the PRNG are bit manipulation by nature */
/**
 * The ggml tensor types this generator writes, their on-disk layout, and quantizers for them.
 * Layouts follow ggml's reference (non-SIMD) quantizers: a quantized row is a run of 32-value blocks,
 * each block a float16 scale followed by the packed values.
 */

export enum GgmlType {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q8_0 = 8,
}

export const QK = 32;

interface TypeLayout {
  /** values per block */
  readonly blockValues: number;
  /** bytes per block */
  readonly blockBytes: number;
}

const LAYOUTS: Record<GgmlType, TypeLayout> = {
  [GgmlType.F32]: { blockValues: 1, blockBytes: 4 },
  [GgmlType.F16]: { blockValues: 1, blockBytes: 2 },
  [GgmlType.Q4_0]: { blockValues: QK, blockBytes: 2 + QK / 2 },
  [GgmlType.Q8_0]: { blockValues: QK, blockBytes: 2 + QK },
};

/** Bytes taken by one row of `rowLength` values; throws when the row does not split into whole blocks. */
export function rowBytes(type: GgmlType, rowLength: number): number {
  const layout = LAYOUTS[type];
  if (layout === undefined) throw new Error(`unsupported ggml type ${type}`);
  if (rowLength % layout.blockValues !== 0) {
    throw new Error(`a ${GgmlType[type]} row needs a multiple of ${layout.blockValues} values, got ${rowLength}`);
  }
  return (rowLength / layout.blockValues) * layout.blockBytes;
}

/** Bytes taken by a tensor whose dims are listed fastest-first (GGUF order). */
export function tensorBytes(type: GgmlType, dims: readonly number[]): number {
  const rows = dims.slice(1).reduce((a, b) => a * b, 1);
  return rowBytes(type, dims[0]) * rows;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE float32 -> float16 bits, round to nearest even, overflow to infinity. */
export function toFloat16Bits(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    if (rest > midpoint || (rest === midpoint && (half & 1) !== 0)) half++;
    return sign | half;
  }
  let bits = sign | (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (bits & 1) !== 0)) bits++;
  return bits;
}

/** float16 bits -> number (used by the tests to read back what was written). */
export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >>> 10) & 0x1f;
  const mant = bits & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant !== 0 ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function quantizeQ8_0Block(values: Float32Array, start: number, out: Buffer, at: number): void {
  let amax = 0;
  for (let j = 0; j < QK; j++) amax = Math.max(amax, Math.abs(values[start + j]));
  const d = amax / 127;
  const id = d !== 0 ? 1 / d : 0;
  out.writeUInt16LE(toFloat16Bits(d), at);
  for (let j = 0; j < QK; j++) out.writeInt8(Math.round(values[start + j] * id), at + 2 + j);
}

function quantizeQ4_0Block(values: Float32Array, start: number, out: Buffer, at: number): void {
  // The scale maps the value of largest magnitude (sign kept) to -8, as ggml does.
  let amax = 0;
  let max = 0;
  for (let j = 0; j < QK; j++) {
    const v = values[start + j];
    if (Math.abs(v) > amax) {
      amax = Math.abs(v);
      max = v;
    }
  }
  const d = max / -8;
  const id = d !== 0 ? 1 / d : 0;
  out.writeUInt16LE(toFloat16Bits(d), at);
  const half = QK / 2;
  for (let j = 0; j < half; j++) {
    const lo = Math.min(15, Math.trunc(values[start + j] * id + 8.5));
    const hi = Math.min(15, Math.trunc(values[start + half + j] * id + 8.5));
    out[at + 2 + j] = lo | (hi << 4);
  }
}

/** Encodes `values` (whole rows, fastest dim first) as `type`. */
export function encodeValues(type: GgmlType, values: Float32Array): Buffer {
  const n = values.length;
  switch (type) {
    case GgmlType.F32:
      return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    case GgmlType.F16: {
      const out = Buffer.alloc(n * 2);
      for (let i = 0; i < n; i++) out.writeUInt16LE(toFloat16Bits(values[i]), i * 2);
      return out;
    }
    case GgmlType.Q8_0:
    case GgmlType.Q4_0: {
      if (n % QK !== 0) throw new Error(`${GgmlType[type]} needs a multiple of ${QK} values, got ${n}`);
      const blockBytes = LAYOUTS[type].blockBytes;
      const out = Buffer.alloc((n / QK) * blockBytes);
      const quantize = type === GgmlType.Q8_0 ? quantizeQ8_0Block : quantizeQ4_0Block;
      for (let b = 0; b < n / QK; b++) quantize(values, b * QK, out, b * blockBytes);
      return out;
    }
    default:
      throw new Error(`unsupported ggml type ${type}`);
  }
}

/** Decodes what encodeValues wrote (lossy for quantized types); used to check the quantizers. */
export function decodeValues(type: GgmlType, data: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  switch (type) {
    case GgmlType.F32:
      for (let i = 0; i < count; i++) out[i] = data.readFloatLE(i * 4);
      return out;
    case GgmlType.F16:
      for (let i = 0; i < count; i++) out[i] = fromFloat16Bits(data.readUInt16LE(i * 2));
      return out;
    case GgmlType.Q8_0:
      for (let b = 0; b < count / QK; b++) {
        const at = b * (2 + QK);
        const d = fromFloat16Bits(data.readUInt16LE(at));
        for (let j = 0; j < QK; j++) out[b * QK + j] = d * data.readInt8(at + 2 + j);
      }
      return out;
    case GgmlType.Q4_0:
      for (let b = 0; b < count / QK; b++) {
        const at = b * (2 + QK / 2);
        const d = fromFloat16Bits(data.readUInt16LE(at));
        for (let j = 0; j < QK / 2; j++) {
          const byte = data[at + 2 + j];
          out[b * QK + j] = d * ((byte & 0x0f) - 8);
          out[b * QK + QK / 2 + j] = d * ((byte >>> 4) - 8);
        }
      }
      return out;
    default:
      throw new Error(`unsupported ggml type ${type}`);
  }
}
