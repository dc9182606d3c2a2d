import { open, type FileHandle } from 'node:fs/promises';

/**
 * A strict reader for the GGUF header (magic, version, tensor count, key/value metadata).
 *
 * Why not node-llama-cpp's `readGgufFileInfo`: its file reader pads reads past the end of the file with zero
 * bytes, so a truncated or hostile header parses into garbage (or loops on a huge array count) instead of
 * failing. Here every length is checked against the bytes that actually remain before anything is read.
 */

export type GgufScalar = number | bigint | boolean | string;

/** Arrays keep their length; numeric arrays short enough to matter (per-layer values) also keep their items. */
export interface GgufArray {
  readonly itemType: number;
  readonly length: number;
  readonly items?: readonly GgufScalar[];
}

export type GgufValue = GgufScalar | GgufArray;

export interface GgufHeader {
  readonly version: number;
  readonly tensorCount: bigint;
  readonly metadata: ReadonlyMap<string, GgufValue>;
  readonly fileSize: number;
}

/** Thrown for anything wrong with the file's bytes; the message always names the file. */
export class GgufFormatError extends Error {
  constructor(readonly filePath: string, detail: string) {
    super(`${filePath} is not a valid GGUF model: ${detail}`);
    this.name = 'GgufFormatError';
  }
}

const MAGIC = 'GGUF';
const SUPPORTED_VERSIONS = new Set([2, 3]);
const MAX_NESTED_ARRAY_DEPTH = 4;
const MAX_KEPT_ARRAY_ITEMS = 4096;
const MAX_KEY_BYTES = 65_535;

const enum ValueType {
  Uint8 = 0, Int8 = 1, Uint16 = 2, Int16 = 3, Uint32 = 4, Int32 = 5, Float32 = 6, Bool = 7,
  String = 8, Array = 9, Uint64 = 10, Int64 = 11, Float64 = 12,
}

/** Smallest encoded size of one value of each type: bounds an array's count before it is read. */
const MIN_VALUE_BYTES: Record<number, number> = {
  [ValueType.Uint8]: 1, [ValueType.Int8]: 1, [ValueType.Uint16]: 2, [ValueType.Int16]: 2,
  [ValueType.Uint32]: 4, [ValueType.Int32]: 4, [ValueType.Float32]: 4, [ValueType.Bool]: 1,
  [ValueType.String]: 8, [ValueType.Array]: 12, [ValueType.Uint64]: 8, [ValueType.Int64]: 8,
  [ValueType.Float64]: 8,
};

/**
 * Reads forward through the file, pulling more bytes from disk only when needed and never past its end.
 * `need` returns a promise only when disk must be read, so tight loops over 150 000 vocabulary strings stay
 * synchronous (awaiting every item would cost more than reading the file).
 */
class BoundedReader {
  private buffer = Buffer.alloc(0);
  position = 0;

  constructor(private readonly file: FileHandle, readonly fileSize: number, private readonly fail: (detail: string) => never) {}

  get remaining(): number {
    return this.fileSize - this.position;
  }

  need(byteCount: number, what: string): Promise<void> | undefined {
    if (byteCount > this.remaining) {
      this.fail(`the file ends inside ${what} (offset ${this.position}, ${byteCount} bytes needed, ${this.remaining} left): truncated or corrupt`);
    }
    const end = this.position + byteCount;
    return end <= this.buffer.length ? undefined : this.load(end);
  }

  private async load(end: number): Promise<void> {
    const target = Math.min(this.fileSize, Math.max(end, this.buffer.length * 2, 1 << 20));
    const more = Buffer.alloc(target - this.buffer.length);
    const { bytesRead } = await this.file.read(more, 0, more.length, this.buffer.length);
    if (bytesRead !== more.length) this.fail('the file changed size while it was being read');
    this.buffer = Buffer.concat([this.buffer, more]);
  }

  /** Only after `need` covered these bytes. */
  skip(byteCount: number): Buffer {
    const slice = this.buffer.subarray(this.position, this.position + byteCount);
    this.position += byteCount;
    return slice;
  }

  async take(byteCount: number, what: string): Promise<Buffer> {
    await this.need(byteCount, what);
    return this.skip(byteCount);
  }

  async uint32(what: string): Promise<number> {
    return (await this.take(4, what)).readUInt32LE(0);
  }

  async uint64(what: string): Promise<bigint> {
    return (await this.take(8, what)).readBigUInt64LE(0);
  }

  async string(what: string, maxBytes = Number.MAX_SAFE_INTEGER): Promise<string> {
    const length = await this.uint64(`the length of ${what}`);
    if (length > BigInt(Math.min(this.remaining, maxBytes))) {
      this.fail(`${what} claims ${length} bytes but only ${this.remaining} remain in the file`);
    }
    return (await this.take(Number(length), what)).toString('utf8');
  }

  /** Steps over `count` length-prefixed strings without decoding them, awaiting only when disk must be read. */
  async skipStrings(count: number, what: string): Promise<void> {
    for (let i = 0; i < count; i++) {
      const lengthPending = this.need(8, `the length of ${what}[${i}]`);
      if (lengthPending) await lengthPending;
      const prefix = this.skip(8);
      // Two 32-bit halves instead of a BigInt per string: this loop runs for every vocabulary entry.
      const length = prefix.readUInt32LE(0);
      if (prefix.readUInt32LE(4) !== 0 || length > this.remaining) {
        this.fail(`${what}[${i}] claims ${prefix.readBigUInt64LE(0)} bytes but only ${this.remaining} remain in the file`);
      }
      const bodyPending = this.need(length, `${what}[${i}]`);
      if (bodyPending) await bodyPending;
      this.position += length;
    }
  }
}

async function readValue(reader: BoundedReader, type: number, what: string, depth: number): Promise<GgufValue> {
  switch (type) {
    case ValueType.Uint8: return (await reader.take(1, what)).readUInt8(0);
    case ValueType.Int8: return (await reader.take(1, what)).readInt8(0);
    case ValueType.Uint16: return (await reader.take(2, what)).readUInt16LE(0);
    case ValueType.Int16: return (await reader.take(2, what)).readInt16LE(0);
    case ValueType.Uint32: return (await reader.take(4, what)).readUInt32LE(0);
    case ValueType.Int32: return (await reader.take(4, what)).readInt32LE(0);
    case ValueType.Float32: return (await reader.take(4, what)).readFloatLE(0);
    case ValueType.Bool: return (await reader.take(1, what)).readUInt8(0) !== 0;
    case ValueType.String: return reader.string(what);
    case ValueType.Uint64: return narrow((await reader.take(8, what)).readBigUInt64LE(0));
    case ValueType.Int64: return narrow((await reader.take(8, what)).readBigInt64LE(0));
    case ValueType.Float64: return (await reader.take(8, what)).readDoubleLE(0);
    case ValueType.Array: return readArray(reader, what, depth);
    default: throw new Error(`${what} has unknown value type ${type}`);
  }
}

async function readArray(reader: BoundedReader, what: string, depth: number): Promise<GgufArray> {
  if (depth >= MAX_NESTED_ARRAY_DEPTH) throw new Error(`${what} nests arrays deeper than ${MAX_NESTED_ARRAY_DEPTH} levels`);
  const itemType = await reader.uint32(`the item type of ${what}`);
  const minBytes = MIN_VALUE_BYTES[itemType];
  if (minBytes === undefined) throw new Error(`${what} is an array of unknown value type ${itemType}`);
  const count = await reader.uint64(`the length of ${what}`);
  if (count * BigInt(minBytes) > BigInt(reader.remaining)) {
    throw new Error(`${what} claims ${count} items but only ${reader.remaining} bytes remain in the file`);
  }
  const length = Number(count);
  if (itemType === ValueType.String) {
    // Vocabularies and merges: only their presence and length matter here.
    await reader.skipStrings(length, what);
    return { itemType, length };
  }
  if (itemType !== ValueType.Array) {
    // Fixed-size items: one bounds check and one read for the whole array.
    await reader.need(length * minBytes, what);
    if (length > MAX_KEPT_ARRAY_ITEMS) {
      reader.skip(length * minBytes);
      return { itemType, length };
    }
  }
  const keepItems = length <= MAX_KEPT_ARRAY_ITEMS && itemType !== ValueType.Array;
  const items: GgufScalar[] = [];
  for (let i = 0; i < length; i++) {
    const item = await readValue(reader, itemType, `${what}[${i}]`, depth + 1);
    if (keepItems) items.push(item as GgufScalar);
  }
  return keepItems ? { itemType, length, items } : { itemType, length };
}

function narrow(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

/** Reads and checks the header of a GGUF file; throws {@link GgufFormatError} naming the file on any problem. */
export async function readGgufHeader(filePath: string): Promise<GgufHeader> {
  const fail = (detail: string): never => {
    throw new GgufFormatError(filePath, detail);
  };
  let file: FileHandle;
  try {
    file = await open(filePath, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new GgufFormatError(filePath, code === 'ENOENT' ? 'the file does not exist' : `it cannot be opened (${code ?? String(error)})`);
  }
  try {
    const stats = await file.stat();
    if (!stats.isFile()) fail('it is not a regular file');
    const reader = new BoundedReader(file, stats.size, fail);
    if (stats.size < 24) fail(`it is only ${stats.size} bytes long, too short for a GGUF header`);

    const magic = await reader.take(4, 'the magic number');
    if (magic.toString('latin1') !== MAGIC) {
      fail(`it does not start with the GGUF magic bytes (found ${JSON.stringify(magic.toString('latin1'))}); is it a GGUF file at all?`);
    }
    const version = await reader.uint32('the format version');
    if (!SUPPORTED_VERSIONS.has(version)) fail(`GGUF version ${version} is not supported (llama.cpp reads versions 2 and 3)`);

    const tensorCount = await reader.uint64('the tensor count');
    const keyValueCount = await reader.uint64('the metadata key/value count');
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 (value) bytes.
    if (keyValueCount * 13n > BigInt(reader.remaining)) {
      fail(`the header claims ${keyValueCount} metadata entries, more than the file can hold`);
    }

    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < Number(keyValueCount); i++) {
      const key = await reader.string(`the name of metadata entry #${i}`, MAX_KEY_BYTES);
      const type = await reader.uint32(`the value type of "${key}"`);
      try {
        metadata.set(key, await readValue(reader, type, `"${key}"`, 0));
      } catch (error) {
        if (error instanceof GgufFormatError) throw error;
        fail((error as Error).message);
      }
    }
    return { version, tensorCount, metadata, fileSize: stats.size };
  } finally {
    await file.close();
  }
}
