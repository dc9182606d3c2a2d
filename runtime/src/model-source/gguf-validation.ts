import { GgufFormatError, readGgufHeader, type GgufArray, type GgufValue } from './gguf-header.js';

/** What the server may want to log about the model it is about to load. */
export interface GgufSummary {
  readonly path: string;
  readonly sizeBytes: number;
  readonly version: number;
  readonly architecture: string;
  readonly name?: string;
  readonly tensorCount: number;
  readonly contextLength: number;
  readonly embeddingLength: number;
  readonly blockCount: number;
  readonly tokenizerModel: string;
  readonly vocabularySize: number;
}

/**
 * Architectures without attention heads or feed-forward blocks (state-space and RWKV models): llama.cpp
 * does not read those two keys for them.
 */
const RECURRENT_ARCHITECTURE = /^(mamba|rwkv)/;

/**
 * Checks, before llama.cpp sees the file, everything whose absence makes llama.cpp abort the whole process
 * (GGML_ASSERT) instead of returning an error: the header, the architecture, and the hyper-parameters every
 * transformer needs. Returns a summary; throws an Error naming the file and the first missing or malformed key.
 */
export async function validateGgufFile(path: string): Promise<GgufSummary> {
  const header = await readGgufHeader(path);
  const fail = (detail: string): never => {
    throw new GgufFormatError(path, detail);
  };
  const { metadata } = header;

  const architecture = metadata.get('general.architecture');
  if (typeof architecture !== 'string' || architecture.length === 0) {
    fail('the metadata key "general.architecture" is missing or not a string');
  }
  const arch = architecture as string;

  const positiveInteger = (key: string): number => {
    const value = metadata.get(key);
    if (value === undefined) fail(`the metadata key "${key}" is missing`);
    if (!isPositiveInteger(value as GgufValue)) fail(`the metadata key "${key}" must be a positive integer, found ${describe(value as GgufValue)}`);
    return Number(value);
  };
  // Per-layer values may be one number or an array with one entry per block.
  const positivePerLayer = (key: string, blockCount: number): void => {
    const value = metadata.get(key);
    if (value === undefined) fail(`the metadata key "${key}" is missing`);
    if (isArray(value as GgufValue)) {
      const array = value as GgufArray;
      if (array.length !== blockCount || !array.items?.every((item) => isNonNegativeInteger(item))) {
        fail(`the metadata key "${key}" must be a positive integer or one non-negative integer per block (${blockCount}), found ${describe(array)}`);
      }
      if (!array.items!.some((item) => Number(item) > 0)) fail(`the metadata key "${key}" is zero for every block`);
      return;
    }
    if (!isPositiveInteger(value as GgufValue)) fail(`the metadata key "${key}" must be a positive integer, found ${describe(value as GgufValue)}`);
  };

  const contextLength = positiveInteger(`${arch}.context_length`);
  const embeddingLength = positiveInteger(`${arch}.embedding_length`);
  const blockCount = positiveInteger(`${arch}.block_count`);
  if (!RECURRENT_ARCHITECTURE.test(arch)) {
    positivePerLayer(`${arch}.feed_forward_length`, blockCount);
    positivePerLayer(`${arch}.attention.head_count`, blockCount);
    const rmsEpsilon = metadata.get(`${arch}.attention.layer_norm_rms_epsilon`);
    const epsilon = rmsEpsilon ?? metadata.get(`${arch}.attention.layer_norm_epsilon`);
    if (typeof epsilon !== 'number' || !(epsilon > 0)) {
      fail(`the metadata key "${arch}.attention.layer_norm_rms_epsilon" (or "${arch}.attention.layer_norm_epsilon") is missing or not a positive number`);
    }
  }

  const tokenizerModel = metadata.get('tokenizer.ggml.model');
  if (typeof tokenizerModel !== 'string' || tokenizerModel.length === 0) {
    fail('the metadata key "tokenizer.ggml.model" is missing or not a string');
  }
  const tokens = metadata.get('tokenizer.ggml.tokens');
  if (!isArray(tokens) || tokens.length === 0 || tokens.itemType !== 8) {
    fail('the metadata key "tokenizer.ggml.tokens" is missing or not a non-empty array of strings');
  }
  if (tokenizerModel === 'gpt2') {
    const merges = metadata.get('tokenizer.ggml.merges');
    if (!isArray(merges) || merges.itemType !== 8) fail('the metadata key "tokenizer.ggml.merges" (required by the gpt2 tokenizer) is missing or not an array of strings');
  }

  const name = metadata.get('general.name');
  return {
    path,
    sizeBytes: header.fileSize,
    version: header.version,
    architecture: arch,
    ...(typeof name === 'string' ? { name } : {}),
    tensorCount: Number(header.tensorCount),
    contextLength,
    embeddingLength,
    blockCount,
    tokenizerModel: tokenizerModel as string,
    vocabularySize: (tokens as GgufArray).length,
  };
}

function isArray(value: GgufValue | undefined): value is GgufArray {
  return typeof value === 'object' && value !== null;
}

function isNonNegativeInteger(value: GgufValue): boolean {
  return (typeof value === 'number' && Number.isInteger(value) && value >= 0) || (typeof value === 'bigint' && value >= 0n);
}

function isPositiveInteger(value: GgufValue): boolean {
  return isNonNegativeInteger(value) && Number(value) > 0;
}

function describe(value: GgufValue): string {
  if (isArray(value)) return `an array of ${value.length} items`;
  return `${typeof value} ${JSON.stringify(typeof value === 'bigint' ? value.toString() : value)}`;
}
