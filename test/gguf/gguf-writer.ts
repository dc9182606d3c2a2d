/**
 * A streaming GGUF v3 writer: header, typed key/values, tensor infos, then 32-byte aligned tensor data
 * pulled chunk by chunk from each tensor's generator, so a 1 GB file never sits in the JS heap.
 * Format: magic "GGUF", u32 version, u64 tensor count, u64 kv count, kvs, tensor infos, padding, data.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GgmlType, tensorBytes } from './ggml-types';

export const GGUF_ALIGNMENT = 32;

/** Value types from the GGUF spec. */
enum ValueType {
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
}

export type GgufValue =
  | { readonly type: 'u32'; readonly value: number }
  | { readonly type: 'i32'; readonly value: number }
  | { readonly type: 'f32'; readonly value: number }
  | { readonly type: 'bool'; readonly value: boolean }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'string[]'; readonly value: readonly string[] }
  | { readonly type: 'u32[]'; readonly value: ArrayLike<number> }
  | { readonly type: 'i32[]'; readonly value: ArrayLike<number> }
  | { readonly type: 'f32[]'; readonly value: ArrayLike<number> };

export interface GgufTensor {
  readonly name: string;
  /** Dimensions fastest-first, as GGUF lists them: a [rows x cols] matrix is [cols, rows]. */
  readonly dims: readonly number[];
  readonly type: GgmlType;
  /** Yields the tensor's bytes in order, in chunks of any size; the total must match dims and type. */
  readonly data: () => Iterable<Uint8Array>;
}

export interface GgufLayout {
  /** Byte offset of the tensor data section (header + kvs + infos, padded). */
  readonly dataOffset: number;
  /** Each tensor's offset relative to dataOffset, and its size. */
  readonly tensors: ReadonlyArray<{ readonly name: string; readonly offset: number; readonly bytes: number }>;
  /** Size of the whole file. */
  readonly totalBytes: number;
}

const alignUp = (n: number, to: number) => Math.ceil(n / to) * to;

/** Collects little-endian primitives into a list of buffers. */
class ByteSink {
  readonly parts: Buffer[] = [];
  length = 0;
  private push(b: Buffer) {
    this.parts.push(b);
    this.length += b.length;
  }
  u32(n: number) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    this.push(b);
  }
  i32(n: number) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(n);
    this.push(b);
  }
  u64(n: number) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt(n));
    this.push(b);
  }
  f32(n: number) {
    const b = Buffer.alloc(4);
    b.writeFloatLE(n);
    this.push(b);
  }
  bool(v: boolean) {
    this.push(Buffer.from([v ? 1 : 0]));
  }
  string(s: string) {
    const bytes = Buffer.from(s, 'utf8');
    this.u64(bytes.length);
    this.push(bytes);
  }
  u32Array(values: ArrayLike<number>) {
    const b = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++) b.writeUInt32LE(values[i], i * 4);
    this.push(b);
  }
  i32Array(values: ArrayLike<number>) {
    const b = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++) b.writeInt32LE(values[i], i * 4);
    this.push(b);
  }
  f32Array(values: ArrayLike<number>) {
    const b = Buffer.alloc(values.length * 4);
    for (let i = 0; i < values.length; i++) b.writeFloatLE(values[i], i * 4);
    this.push(b);
  }
  zeros(n: number) {
    if (n > 0) this.push(Buffer.alloc(n));
  }
}

function writeValue(sink: ByteSink, v: GgufValue): void {
  switch (v.type) {
    case 'u32':
      if (!Number.isInteger(v.value) || v.value < 0 || v.value > 0xffffffff) throw new Error(`not a u32: ${v.value}`);
      sink.u32(ValueType.UINT32);
      sink.u32(v.value);
      return;
    case 'i32':
      if (!Number.isInteger(v.value) || v.value < -0x80000000 || v.value > 0x7fffffff) throw new Error(`not an i32: ${v.value}`);
      sink.u32(ValueType.INT32);
      sink.i32(v.value);
      return;
    case 'f32':
      sink.u32(ValueType.FLOAT32);
      sink.f32(v.value);
      return;
    case 'bool':
      sink.u32(ValueType.BOOL);
      sink.bool(v.value);
      return;
    case 'string':
      sink.u32(ValueType.STRING);
      sink.string(v.value);
      return;
    case 'string[]':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.STRING);
      sink.u64(v.value.length);
      for (const s of v.value) sink.string(s);
      return;
    case 'u32[]':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.UINT32);
      sink.u64(v.value.length);
      sink.u32Array(v.value);
      return;
    case 'i32[]':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.INT32);
      sink.u64(v.value.length);
      sink.i32Array(v.value);
      return;
    case 'f32[]':
      sink.u32(ValueType.ARRAY);
      sink.u32(ValueType.FLOAT32);
      sink.u64(v.value.length);
      sink.f32Array(v.value);
      return;
  }
}

/** Buffers small chunks into large writes. */
class FileSink {
  private readonly buf = Buffer.allocUnsafe(8 * 1024 * 1024);
  private used = 0;
  written = 0;
  constructor(private readonly fd: number) {}
  write(chunk: Uint8Array) {
    if (chunk.length >= this.buf.length) {
      this.flush();
      fs.writeSync(this.fd, chunk);
      this.written += chunk.length;
      return;
    }
    if (this.used + chunk.length > this.buf.length) this.flush();
    this.buf.set(chunk, this.used);
    this.used += chunk.length;
    this.written += chunk.length;
  }
  flush() {
    let off = 0;
    while (off < this.used) off += fs.writeSync(this.fd, this.buf, off, this.used - off);
    this.used = 0;
  }
}

export class GgufWriter {
  private readonly kvs = new Map<string, GgufValue>();
  private readonly tensorList: GgufTensor[] = [];

  set(key: string, value: GgufValue): this {
    if (key === '') throw new Error('GGUF keys must not be empty');
    this.kvs.set(key, value);
    return this;
  }

  get(key: string): GgufValue | undefined {
    return this.kvs.get(key);
  }

  addTensor(tensor: GgufTensor): this {
    if (this.tensorList.some((t) => t.name === tensor.name)) throw new Error(`duplicate tensor ${tensor.name}`);
    if (Buffer.byteLength(tensor.name) >= 64) throw new Error(`tensor name too long for ggml: ${tensor.name}`);
    if (tensor.dims.length < 1 || tensor.dims.length > 4 || tensor.dims.some((d) => !Number.isInteger(d) || d < 1)) {
      throw new Error(`bad dims for ${tensor.name}: [${tensor.dims.join(', ')}]`);
    }
    tensorBytes(tensor.type, tensor.dims); // throws when rows do not split into whole blocks
    this.tensorList.push(tensor);
    return this;
  }

  get tensors(): readonly GgufTensor[] {
    return this.tensorList;
  }

  /** Serialises everything before the tensor data, padded to the alignment, and computes offsets. */
  header(): { bytes: Buffer; layout: GgufLayout } {
    const sink = new ByteSink();
    sink.u32(0x46554747); // "GGUF" read as a little-endian u32
    sink.u32(3);
    sink.u64(this.tensorList.length);
    sink.u64(this.kvs.size);
    for (const [key, value] of this.kvs) {
      sink.string(key);
      writeValue(sink, value);
    }
    const tensors: Array<{ name: string; offset: number; bytes: number }> = [];
    let offset = 0;
    for (const t of this.tensorList) {
      const bytes = tensorBytes(t.type, t.dims);
      sink.string(t.name);
      sink.u32(t.dims.length);
      for (const d of t.dims) sink.u64(d);
      sink.u32(t.type);
      sink.u64(offset);
      tensors.push({ name: t.name, offset, bytes });
      offset = alignUp(offset + bytes, GGUF_ALIGNMENT);
    }
    sink.zeros(alignUp(sink.length, GGUF_ALIGNMENT) - sink.length);
    const dataOffset = sink.length;
    const last = tensors[tensors.length - 1];
    const totalBytes = dataOffset + (last ? last.offset + last.bytes : 0);
    return { bytes: Buffer.concat(sink.parts), layout: { dataOffset, tensors, totalBytes } };
  }

  /**
   * Writes the file (through a temporary name, renamed at the end so a reader never sees half a file).
   * `validate` runs on the key/values first: a file llama.cpp would GGML_ASSERT on is never written.
   */
  write(filePath: string, validate?: (writer: GgufWriter) => void): GgufLayout {
    validate?.(this);
    const { bytes, layout } = this.header();
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    const tmp = `${filePath}.${process.pid}.partial`;
    const fd = fs.openSync(tmp, 'w');
    try {
      const sink = new FileSink(fd);
      sink.write(bytes);
      layout.tensors.forEach((info, i) => {
        const start = sink.written;
        for (const chunk of this.tensorList[i].data()) sink.write(chunk);
        const got = sink.written - start;
        if (got !== info.bytes) throw new Error(`tensor ${info.name}: generator gave ${got} bytes, expected ${info.bytes}`);
        if (i < layout.tensors.length - 1) sink.write(Buffer.alloc(alignUp(got, GGUF_ALIGNMENT) - got));
      });
      sink.flush();
      if (sink.written !== layout.totalBytes) throw new Error(`wrote ${sink.written} bytes, expected ${layout.totalBytes}`);
    } catch (err) {
      fs.closeSync(fd);
      fs.rmSync(tmp, { force: true });
      throw err;
    }
    fs.closeSync(fd);
    fs.renameSync(tmp, filePath);
    return layout;
  }
}
