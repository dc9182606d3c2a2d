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

/** Bytes read up front: covers the header of models with vocabularies up to ~250 000 tokens in one read. */
const INITIAL_READ_BYTES = 8 << 20;

/** A label for error messages, built only when one is needed (array loops would otherwise make one per item). */
type Label = string | (() => string);

const labelText = (what: Label): string => (typeof what === 'string' ? what : what());

/** Thrown inside the walk when the buffer ends before the file does: the caller reads more and retries the entry. */
class NeedMoreBytes {
  constructor(readonly end: number) {}
}

/**
 * Walks the header synchronously over the bytes read so far (`buffer` holds the file from offset 0).
 * Every length is checked against the bytes left in the file before it is used; running off the end of the
 * buffer (but not of the file) throws {@link NeedMoreBytes} so the caller can read more and walk the entry again.
 */
class HeaderCursor {
  position = 0;

  constructor(public buffer: Buffer, readonly fileSize: number, private readonly fail: (detail: string) => never) {}

  get remaining(): number {
    return this.fileSize - this.position;
  }

  /** Makes sure `byteCount` bytes follow the position, in the file and in the buffer. */
  need(byteCount: number, what: Label): void {
    if (byteCount > this.remaining) {
      this.fail(`the file ends inside ${labelText(what)} (offset ${this.position}, ${byteCount} bytes needed, ${this.remaining} left): truncated or corrupt`);
    }
    if (this.position + byteCount > this.buffer.length) throw new NeedMoreBytes(this.position + byteCount);
  }

  uint32(what: Label): number {
    this.need(4, what);
    const value = this.buffer.readUInt32LE(this.position);
    this.position += 4;
    return value;
  }

  uint64(what: Label): bigint {
    this.need(8, what);
    const value = this.buffer.readBigUInt64LE(this.position);
    this.position += 8;
    return value;
  }

  string(what: Label, maxBytes = Number.MAX_SAFE_INTEGER): string {
    const length = this.uint64(() => `the length of ${labelText(what)}`);
    if (length > BigInt(Math.min(this.remaining, maxBytes))) {
      this.fail(`${labelText(what)} claims ${length} bytes but only ${this.remaining} remain in the file`);
    }
    const byteCount = Number(length);
    this.need(byteCount, what);
    const text = this.buffer.toString('utf8', this.position, this.position + byteCount);
    this.position += byteCount;
    return text;
  }

  /** Steps over `count` length-prefixed strings without decoding them: this loop runs for every vocabulary entry. */
  skipStrings(count: number, what: string): void {
    const { buffer, fileSize } = this;
    const bufferEnd = buffer.length;
    let position = this.position;
    // No closures in this loop: one capturing `i` would make V8 allocate a context per item.
    for (let i = 0; i < count; i++) {
      if (position + 8 > bufferEnd) this.needItem(position, 8, what, i, 'the length of ');
      // Two 32-bit halves instead of a BigInt per string.
      const length = buffer.readUInt32LE(position);
      if (buffer.readUInt32LE(position + 4) !== 0 || length > fileSize - position - 8) this.failItemLength(position, what, i);
      position += 8;
      if (position + length > bufferEnd) this.needItem(position, length, what, i, '');
      position += length;
    }
    this.position = position;
  }

  /** Slow path of {@link skipStrings}: fails or asks for more bytes, naming the item. */
  private needItem(position: number, byteCount: number, what: string, index: number, prefix: string): void {
    this.position = position;
    this.need(byteCount, () => `${prefix}${what}[${index}]`);
  }

  private failItemLength(position: number, what: string, index: number): never {
    this.position = position + 8;
    return this.fail(`${what}[${index}] claims ${this.buffer.readBigUInt64LE(position)} bytes but only ${this.remaining} remain in the file`);
  }
}

/** Size in bytes of each fixed-size value type. */
const FIXED_VALUE_BYTES: Record<number, number> = {
  [ValueType.Uint8]: 1, [ValueType.Int8]: 1, [ValueType.Uint16]: 2, [ValueType.Int16]: 2,
  [ValueType.Uint32]: 4, [ValueType.Int32]: 4, [ValueType.Float32]: 4, [ValueType.Bool]: 1,
  [ValueType.Uint64]: 8, [ValueType.Int64]: 8, [ValueType.Float64]: 8,
};

/** Decodes one fixed-size value at `offset`; the caller has checked that its bytes are there. */
function fixedValueAt(buffer: Buffer, offset: number, type: number): GgufScalar {
  switch (type) {
    case ValueType.Uint8: return buffer.readUInt8(offset);
    case ValueType.Int8: return buffer.readInt8(offset);
    case ValueType.Uint16: return buffer.readUInt16LE(offset);
    case ValueType.Int16: return buffer.readInt16LE(offset);
    case ValueType.Uint32: return buffer.readUInt32LE(offset);
    case ValueType.Int32: return buffer.readInt32LE(offset);
    case ValueType.Float32: return buffer.readFloatLE(offset);
    case ValueType.Bool: return buffer.readUInt8(offset) !== 0;
    case ValueType.Uint64: return narrow(buffer.readBigUInt64LE(offset));
    case ValueType.Int64: return narrow(buffer.readBigInt64LE(offset));
    case ValueType.Float64: return buffer.readDoubleLE(offset);
    default: throw new Error(`unknown fixed-size value type ${type}`);
  }
}

function readValue(cursor: HeaderCursor, type: number, what: Label, depth: number): GgufValue {
  if (type === ValueType.String) return cursor.string(what);
  if (type === ValueType.Array) return readArray(cursor, what, depth);
  const size = FIXED_VALUE_BYTES[type];
  if (size === undefined) throw new Error(`${labelText(what)} has unknown value type ${type}`);
  cursor.need(size, what);
  const value = fixedValueAt(cursor.buffer, cursor.position, type);
  cursor.position += size;
  return value;
}

function readArray(cursor: HeaderCursor, what: Label, depth: number): GgufArray {
  if (depth >= MAX_NESTED_ARRAY_DEPTH) throw new Error(`${labelText(what)} nests arrays deeper than ${MAX_NESTED_ARRAY_DEPTH} levels`);
  const itemType = cursor.uint32(() => `the item type of ${labelText(what)}`);
  const minBytes = MIN_VALUE_BYTES[itemType];
  if (minBytes === undefined) throw new Error(`${labelText(what)} is an array of unknown value type ${itemType}`);
  const count = cursor.uint64(() => `the length of ${labelText(what)}`);
  if (count * BigInt(minBytes) > BigInt(cursor.remaining)) {
    throw new Error(`${labelText(what)} claims ${count} items but only ${cursor.remaining} bytes remain in the file`);
  }
  const length = Number(count);
  if (itemType === ValueType.String) {
    // Vocabularies and merges: only their presence and length matter here.
    cursor.skipStrings(length, labelText(what));
    return { itemType, length };
  }
  if (itemType === ValueType.Array) {
    for (let i = 0; i < length; i++) readArray(cursor, () => `${labelText(what)}[${i}]`, depth + 1);
    return { itemType, length };
  }
  // Fixed-size items: one bounds check for the whole array.
  const byteCount = length * minBytes;
  cursor.need(byteCount, what);
  if (length > MAX_KEPT_ARRAY_ITEMS) {
    cursor.position += byteCount;
    return { itemType, length };
  }
  const items: GgufScalar[] = new Array(length);
  const { buffer } = cursor;
  for (let i = 0, offset = cursor.position; i < length; i++, offset += minBytes) items[i] = fixedValueAt(buffer, offset, itemType);
  cursor.position += byteCount;
  return { itemType, length, items };
}

/** Reads the file from offset 0 up to `end` (at least), reusing the bytes already read; never past the file's end. */
async function readPrefix(file: FileHandle, previous: Buffer, end: number, fileSize: number, fail: (detail: string) => never): Promise<Buffer> {
  const target = Math.min(fileSize, Math.max(end, previous.length * 2, INITIAL_READ_BYTES));
  const buffer = Buffer.allocUnsafe(target);
  previous.copy(buffer, 0);
  let filled = previous.length;
  while (filled < target) {
    const { bytesRead } = await file.read(buffer, filled, target - filled, filled);
    if (bytesRead === 0) fail('the file changed size while it was being read');
    filled += bytesRead;
  }
  return buffer;
}

function narrow(value: bigint): number | bigint {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
}

function readEntry(cursor: HeaderCursor, index: number, metadata: Map<string, GgufValue>, fail: (detail: string) => never): void {
  const key = cursor.string(`the name of metadata entry #${index}`, MAX_KEY_BYTES);
  const type = cursor.uint32(() => `the value type of "${key}"`);
  try {
    metadata.set(key, readValue(cursor, type, `"${key}"`, 0));
  } catch (error) {
    if (error instanceof GgufFormatError || error instanceof NeedMoreBytes) throw error;
    fail((error as Error).message);
  }
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
    if (stats.size < 24) fail(`it is only ${stats.size} bytes long, too short for a GGUF header`);
    const cursor = new HeaderCursor(await readPrefix(file, Buffer.alloc(0), 0, stats.size, fail), stats.size, fail);

    // The first read holds at least these 24 bytes.
    const magic = cursor.buffer.toString('latin1', 0, 4);
    cursor.position = 4;
    if (magic !== MAGIC) {
      fail(`it does not start with the GGUF magic bytes (found ${JSON.stringify(magic)}); is it a GGUF file at all?`);
    }
    const version = cursor.uint32('the format version');
    if (!SUPPORTED_VERSIONS.has(version)) fail(`GGUF version ${version} is not supported (llama.cpp reads versions 2 and 3)`);

    const tensorCount = cursor.uint64('the tensor count');
    const keyValueCount = cursor.uint64('the metadata key/value count');
    // Each key/value takes at least 8 (key length) + 4 (type) + 1 (value) bytes.
    if (keyValueCount * 13n > BigInt(cursor.remaining)) {
      fail(`the header claims ${keyValueCount} metadata entries, more than the file can hold`);
    }

    const metadata = new Map<string, GgufValue>();
    for (let i = 0; i < Number(keyValueCount); i++) {
      const entryStart = cursor.position;
      for (;;) {
        try {
          readEntry(cursor, i, metadata, fail);
          break;
        } catch (error) {
          if (!(error instanceof NeedMoreBytes)) throw error;
          // The header is longer than what was read: read more, then walk this entry again from its start.
          cursor.buffer = await readPrefix(file, cursor.buffer, error.end, stats.size, fail);
          cursor.position = entryStart;
        }
      }
    }
    return { version, tensorCount, metadata, fileSize: stats.size };
  } finally {
    await file.close();
  }
}
