import { LlmModelKind } from './llm-model-kind';

/**
 * Encoder-only architectures llama.cpp knows: their GGUF files are embedding models whether or not they state a
 * pooling type. The runtime applies the same rule (runtime/src/model-source/model-traits.ts; test/contract.test.ts
 * checks both sides on the same files).
 */
export const ENCODER_ONLY_ARCHITECTURES: readonly string[] = [
  'bert', 'modern-bert', 'nomic-bert', 'nomic-bert-moe', 'neo-bert', 'jina-bert-v2', 'jina-bert-v3', 'eurobert', 't5encoder',
];

/** llama.cpp's llama_pooling_type values. */
const POOLING_MEAN = 1;
const POOLING_CLS = 2;
const POOLING_LAST = 3;
const POOLING_RANK = 4;

/** A model's kind, with what the header (or the model source's options) says about sizing it as an embedding model. */
export interface DeclaredKind {
  readonly kind: LlmModelKind;
  readonly traits?: EmbeddingTraits;
  readonly vocabularySize?: number;
}

/** What the header says about sizing an embedding model. */
export interface EmbeddingTraits {
  /** Mean or CLS pooling, or bidirectional attention: an input is evaluated in one batch as long as the context. */
  readonly wholeInputBatches: boolean;
}

/** The model's kind by the GGUF rule (pooling type 1-3 or an encoder: embedding; 4: a reranker, refused). */
export function modelKindFromHeader(file: string, architecture: string, poolingType: unknown, causal: unknown): DeclaredKind {
  if (poolingType === POOLING_RANK) {
    throw new Error(`${file} is a reranking model (${architecture}.pooling_type 4, rank): it scores query-document pairs, and the function serves generation and embedding models only`);
  }
  const encoder = ENCODER_ONLY_ARCHITECTURES.includes(architecture) || causal === false;
  const pooled = poolingType === POOLING_MEAN || poolingType === POOLING_CLS || poolingType === POOLING_LAST;
  if (!encoder && !pooled) return { kind: LlmModelKind.GENERATION };
  return { kind: LlmModelKind.EMBEDDING, traits: { wholeInputBatches: encoder || poolingType !== POOLING_LAST } };
}
