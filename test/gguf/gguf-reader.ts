/**
 * Reads back a GGUF header (key/values and tensor infos) so tests can check what the writer
 * produced without trusting the writer's own bookkeeping.
 */
export interface ParsedTensorInfo {
  readonly name: string;
  readonly dims: number[];
  readonly type: number;
  readonly offset: number;
}

export interface ParsedGguf {
  readonly version: number;
  readonly kv: Map<string, unknown>;
  readonly tensors: ParsedTensorInfo[];
  /** Where tensor data starts (header end rounded up to the alignment). */
  readonly dataOffset: number;
}

export function parseGgufHeader(buf: Buffer): ParsedGguf {
  let at = 0;
  const u32 = () => ((at += 4), buf.readUInt32LE(at - 4));
  const u64 = () => ((at += 8), Number(buf.readBigUInt64LE(at - 8)));
  const str = () => {
    const n = u64();
    at += n;
    return buf.toString('utf8', at - n, at);
  };
  const value = (type: number): unknown => {
    switch (type) {
      case 0: return ((at += 1), buf.readUInt8(at - 1));
      case 1: return ((at += 1), buf.readInt8(at - 1));
      case 2: return ((at += 2), buf.readUInt16LE(at - 2));
      case 3: return ((at += 2), buf.readInt16LE(at - 2));
      case 4: return u32();
      case 5: return ((at += 4), buf.readInt32LE(at - 4));
      case 6: return ((at += 4), buf.readFloatLE(at - 4));
      case 7: return ((at += 1), buf[at - 1] !== 0);
      case 8: return str();
      case 9: {
        const itemType = u32();
        const n = u64();
        const items: unknown[] = [];
        for (let i = 0; i < n; i++) items.push(value(itemType));
        return items;
      }
      case 10: return u64();
      case 11: return ((at += 8), Number(buf.readBigInt64LE(at - 8)));
      case 12: return ((at += 8), buf.readDoubleLE(at - 8));
      default: throw new Error(`unknown GGUF value type ${type}`);
    }
  };
  if (buf.toString('latin1', 0, 4) !== 'GGUF') throw new Error('not a GGUF file');
  at = 4;
  const version = u32();
  const tensorCount = u64();
  const kvCount = u64();
  const kv = new Map<string, unknown>();
  for (let i = 0; i < kvCount; i++) {
    const key = str();
    kv.set(key, value(u32()));
  }
  const tensors: ParsedTensorInfo[] = [];
  for (let i = 0; i < tensorCount; i++) {
    const name = str();
    const nDims = u32();
    const dims: number[] = [];
    for (let d = 0; d < nDims; d++) dims.push(u64());
    tensors.push({ name, dims, type: u32(), offset: u64() });
  }
  const alignment = (kv.get('general.alignment') as number | undefined) ?? 32;
  return { version, kv, tensors, dataOffset: Math.ceil(at / alignment) * alignment };
}
