import * as fs from 'fs';
import { EmbeddingTraits, modelKindFromHeader } from './embedding-traits';
import { LlmModelKind } from './llm-model-kind';
import { KvCacheShape } from '../sizing/kv-cache';

/** What the tuner learns from a GGUF file's header. */
export interface GgufModelInfo {
  readonly architecture: string;
  /** Generation or embedding, by the pooling type and the architecture. */
  readonly kind: LlmModelKind;
  /** Set for embedding models. */
  readonly embedding?: EmbeddingTraits;
  /** Tokens in the vocabulary (`tokenizer.ggml.tokens`), when the header lists them. */
  readonly vocabularySize?: number;
  /** Undefined when the architecture's attention keys are missing (then the tuner estimates). */
  readonly kvCache?: KvCacheShape;
  /** The context length the model was trained for, when the header states it. */
  readonly trainedContextLength?: number;
}

const GGUF_MAGIC = 'GGUF';
const CHUNK_BYTES = 1024 * 1024;
/** Keys and strings longer than this mean a corrupt or hostile file, not a model. */
const MAX_STRING_BYTES = 64 * 1024 * 1024;
/** Numeric arrays up to this length are read (per-layer head counts); longer ones are skipped. */
const MAX_KEPT_ARRAY = 4096;

enum GgufType {
  UINT8 = 0, INT8 = 1, UINT16 = 2, INT16 = 3, UINT32 = 4, INT32 = 5, FLOAT32 = 6, BOOL = 7,
  STRING = 8, ARRAY = 9, UINT64 = 10, INT64 = 11, FLOAT64 = 12,
}

const SCALAR_BYTES: Partial<Record<GgufType, number>> = {
  [GgufType.UINT8]: 1,
  [GgufType.INT8]: 1,
  [GgufType.BOOL]: 1,
  [GgufType.UINT16]: 2,
  [GgufType.INT16]: 2,
  [GgufType.UINT32]: 4,
  [GgufType.INT32]: 4,
  [GgufType.FLOAT32]: 4,
  [GgufType.UINT64]: 8,
  [GgufType.INT64]: 8,
  [GgufType.FLOAT64]: 8,
};

/** Sequential reader over a file descriptor that keeps only one chunk in memory. */
class ChunkedReader {
  private buffer = Buffer.alloc(0);
  private bufferStart = 0;
  private position = 0;

  constructor(private readonly fd: number, private readonly fileSize: number, private readonly file: string) {}

  public take(bytes: number): Buffer {
    if (this.position + bytes > this.fileSize) {
      throw new Error(`${this.file} ends inside its GGUF header: the file is truncated or not a GGUF model`);
    }
    const offset = this.position - this.bufferStart;
    if (offset + bytes > this.buffer.length) {
      const length = Math.min(Math.max(bytes, CHUNK_BYTES), this.fileSize - this.position);
      this.buffer = Buffer.alloc(length);
      fs.readSync(this.fd, this.buffer, 0, length, this.position);
      this.bufferStart = this.position;
    }
    const start = this.position - this.bufferStart;
    this.position += bytes;
    return this.buffer.subarray(start, start + bytes);
  }

  public skip(bytes: number): void {
    if (this.position + bytes > this.fileSize) {
      throw new Error(`${this.file} ends inside its GGUF header: the file is truncated or not a GGUF model`);
    }
    this.position += bytes;
  }

  public u32(): number { return this.take(4).readUInt32LE(0); }

  public u64(): number {
    const value = this.take(8).readBigUInt64LE(0);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) {
      throw new Error(`${this.file} has an impossible length in its GGUF header: the file is corrupt`);
    }
    return Number(value);
  }

  public string(): string {
    const length = this.u64();
    if (length > MAX_STRING_BYTES) {
      throw new Error(`${this.file} has a ${length}-byte string in its GGUF header: the file is corrupt`);
    }
    return this.take(length).toString('utf8');
  }

  public scalar(type: GgufType): number | boolean {
    const b = this.take(SCALAR_BYTES[type]!);
    switch (type) {
      case GgufType.UINT8: return b.readUInt8(0);
      case GgufType.INT8: return b.readInt8(0);
      case GgufType.BOOL: return b.readUInt8(0) !== 0;
      case GgufType.UINT16: return b.readUInt16LE(0);
      case GgufType.INT16: return b.readInt16LE(0);
      case GgufType.UINT32: return b.readUInt32LE(0);
      case GgufType.INT32: return b.readInt32LE(0);
      case GgufType.FLOAT32: return b.readFloatLE(0);
      case GgufType.UINT64: return Number(b.readBigUInt64LE(0));
      case GgufType.INT64: return Number(b.readBigInt64LE(0));
      default: return b.readDoubleLE(0);
    }
  }
}

/** A string array's length: its strings are skipped, but the vocabulary size is the length of one. */
interface StringArray {
  readonly stringCount: number;
}

type Value = string | number | boolean | number[] | StringArray | undefined;

function readValue(reader: ChunkedReader, type: GgufType, file: string): Value {
  if (type === GgufType.STRING) {
    return reader.string();
  }
  if (type === GgufType.ARRAY) {
    const elementType = reader.u32() as GgufType;
    const count = reader.u64();
    if (elementType === GgufType.STRING) {
      for (let i = 0; i < count; i++) reader.skip(reader.u64());
      return { stringCount: count };
    }
    const width = SCALAR_BYTES[elementType];
    if (width === undefined) {
      throw new Error(`${file} has an array of unknown type ${elementType} in its GGUF header: the file is corrupt or too new`);
    }
    if (count > MAX_KEPT_ARRAY || elementType === GgufType.BOOL) {
      reader.skip(count * width);
      return undefined;
    }
    const values: number[] = [];
    for (let i = 0; i < count; i++) values.push(Number(reader.scalar(elementType)));
    return values;
  }
  if (SCALAR_BYTES[type] === undefined) {
    throw new Error(`${file} has a value of unknown type ${type} in its GGUF header: the file is corrupt or too new`);
  }
  return reader.scalar(type);
}

function positiveNumber(value: Value): number | undefined {
  // Per-layer arrays (some architectures vary head counts by layer): size for the largest layer.
  const n = Array.isArray(value) ? Math.max(...value) : typeof value === 'object' ? undefined : value;
  return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
}

/**
 * Reads the metadata of a GGUF (v2/v3) file without loading its tensors: the architecture, the kind (generation
 * or embedding), the vocabulary size, the KV cache shape and the trained context length. Throws a clear error for anything that is not a GGUF model.
 */
export function readGgufModelInfo(file: string): GgufModelInfo {
  const fd = fs.openSync(file, 'r');
  try {
    const reader = new ChunkedReader(fd, fs.fstatSync(fd).size, file);
    const magic = reader.take(4).toString('latin1');
    if (magic !== GGUF_MAGIC) {
      throw new Error(`${file} is not a GGUF model (it starts with ${JSON.stringify(magic)} instead of "GGUF")`);
    }
    const version = reader.u32();
    if (version < 2 || version > 3) {
      throw new Error(`${file} is GGUF version ${version}; only versions 2 and 3 are supported`);
    }
    reader.u64(); // tensor count: the tensors themselves are not read
    const keyCount = reader.u64();
    const values = new Map<string, Value>();
    for (let i = 0; i < keyCount; i++) {
      const key = reader.string();
      values.set(key, readValue(reader, reader.u32() as GgufType, file));
    }
    const architecture = values.get('general.architecture');
    if (typeof architecture !== 'string' || architecture === '') {
      throw new Error(`${file} has no general.architecture in its GGUF header: it is not a usable model`);
    }
    const arch = (suffix: string) => positiveNumber(values.get(`${architecture}.${suffix}`));
    const blockCount = arch('block_count');
    const headCount = arch('attention.head_count');
    const embedding = arch('embedding_length');
    const kvHeadCount = arch('attention.head_count_kv') ?? headCount;
    const defaultHeadLength = embedding && headCount ? embedding / headCount : undefined;
    const keyLength = arch('attention.key_length') ?? defaultHeadLength;
    const valueLength = arch('attention.value_length') ?? defaultHeadLength;
    const kvCache = blockCount && kvHeadCount && keyLength && valueLength
      ? { blockCount, kvHeadCount, keyLength, valueLength }
      : undefined;
    const { kind, traits } = modelKindFromHeader(file, architecture, values.get(`${architecture}.pooling_type`), values.get(`${architecture}.attention.causal`));
    const tokens = values.get('tokenizer.ggml.tokens');
    return {
      architecture,
      kind,
      ...(traits !== undefined ? { embedding: traits } : {}),
      ...(typeof tokens === 'object' && !Array.isArray(tokens) ? { vocabularySize: tokens.stringCount } : {}),
      kvCache,
      trainedContextLength: arch('context_length'),
    };
  } finally {
    fs.closeSync(fd);
  }
}
