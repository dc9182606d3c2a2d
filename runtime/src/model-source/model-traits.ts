import { readGgufHeader, type GgufValue } from './gguf-header.js';

/** What the server does with a model: generate text, or turn texts into vectors. */
export type ModelKind = 'generation' | 'embedding';

/** llama.cpp's llama_pooling_type, as GGUF's `{arch}.pooling_type` stores it. */
export type Pooling = 'none' | 'mean' | 'cls' | 'last' | 'rank';

const POOLING_BY_VALUE: readonly Pooling[] = ['none', 'mean', 'cls', 'last', 'rank'];

/**
 * Encoder-only architectures llama.cpp knows (bidirectional attention, no text generation): their GGUF files
 * are embedding models whether or not they state a pooling type.
 */
export const ENCODER_ONLY_ARCHITECTURES: readonly string[] = [
  'bert', 'modern-bert', 'nomic-bert', 'nomic-bert-moe', 'neo-bert', 'jina-bert-v2', 'jina-bert-v3', 'eurobert', 't5encoder',
];

/** What the model's metadata says about serving it. */
export interface ModelTraits {
  readonly kind: ModelKind;
  readonly architecture: string;
  /** The pooling the GGUF states; undefined when it states none (llama.cpp then pools nothing). */
  readonly pooling?: Pooling;
  /** False for bidirectional models: their whole input must be evaluated in one batch. */
  readonly causal: boolean;
}

/** A model this server cannot serve, named with the metadata that says so. */
export class UnsupportedModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsupportedModelError';
  }
}

/**
 * The rule for "embedding model", from the GGUF metadata alone:
 * - `{arch}.pooling_type` 1 (mean), 2 (cls) or 3 (last): an embedding model. Decoder embedding models such as
 *   Qwen3-Embedding are told from their generation siblings only by this key.
 * - an encoder-only architecture (see ENCODER_ONLY_ARCHITECTURES), or `{arch}.attention.causal` false: an
 *   embedding model, whatever the pooling.
 * - `{arch}.pooling_type` 4 (rank): a reranker, which scores pairs instead of embedding texts: refused.
 * - anything else (no pooling type, or 0): a generation model.
 */
export function modelTraits(metadata: ReadonlyMap<string, GgufValue>): ModelTraits {
  const architecture = String(metadata.get('general.architecture') ?? '');
  const poolingValue = metadata.get(`${architecture}.pooling_type`);
  let pooling: Pooling | undefined;
  if (poolingValue !== undefined) {
    pooling = typeof poolingValue === 'number' ? POOLING_BY_VALUE[poolingValue] : undefined;
    if (pooling === undefined) {
      throw new UnsupportedModelError(`${architecture}.pooling_type is ${String(poolingValue)}; llama.cpp knows 0 (none), 1 (mean), 2 (cls), 3 (last) and 4 (rank)`);
    }
  }
  if (pooling === 'rank') {
    throw new UnsupportedModelError(`${architecture}.pooling_type is 4 (rank): this is a reranking model, which scores query-document pairs; this server serves generation and embedding models only`);
  }
  const causal = !ENCODER_ONLY_ARCHITECTURES.includes(architecture) && metadata.get(`${architecture}.attention.causal`) !== false;
  const kind: ModelKind = !causal || (pooling !== undefined && pooling !== 'none') ? 'embedding' : 'generation';
  return { kind, architecture, ...(pooling !== undefined ? { pooling } : {}), causal };
}

/** Reads the traits from the file's header (already validated by the model source). */
export async function readModelTraits(path: string): Promise<ModelTraits> {
  return modelTraits((await readGgufHeader(path)).metadata);
}
