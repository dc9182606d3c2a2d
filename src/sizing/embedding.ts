import { kvCacheMb } from './kv-cache';
import { LambdaLimits, MIB } from './lambda-limits';
import { modelLoadSeconds } from './timeout';

/** The runtime keeps at most two embedding contexts (runtime/src/engine/embedding-engine.ts, MAX_EMBEDDING_CONTEXTS). */
export const MAX_EMBEDDING_CONTEXTS = 2;

/** The batch of a model whose last token carries the embedding (runtime: SPLIT_INPUT_BATCH_TOKENS). */
export const SPLIT_INPUT_BATCH_TOKENS = 512;

/** The vocabulary assumed when the header cannot be read: Gemma's 262,144, the largest among GGUF embedding families. */
export const ASSUMED_VOCABULARY_SIZE = 262_144;

/**
 * Compute-buffer bytes per batch token besides the output row: llama.cpp reserved 12 KiB a token for a 1024-wide
 * model (docs/benchmarks/embeddings.md); 64 KiB covers models four times as wide.
 */
export const ACTIVATION_BYTES_PER_BATCH_TOKEN = 64 * 1024;

/** The most inputs one request may carry (the runtime's MAX_EMBEDDING_INPUTS, OpenAI's limit). */
export const MAX_EMBEDDING_INPUTS = 2048;

/**
 * Embedding throughput the tuner assumes: tokens per second for one thread and one GiB of weights.
 * `npx projen bench:embeddings` measured the server at 61-68 tokens/s with 2 threads on the 0.5 GiB
 * Qwen3-Embedding-shaped file (about 65 per thread per GiB; docs/benchmarks/embeddings.md), on a shared 2-core
 * machine under a load of 4; an earlier run under a load of 8-10 got 23 (22 per thread per GiB). 20 covers both
 * with room for slower vCPUs; an undersized timeout would cut a batch (504 saying how far it got).
 */
export const EMBEDDING_TOKENS_PER_SECOND_PER_THREAD_GIB = 20;

/** The shortest a token can be in a request body: one digit and a comma in a list of token ids. */
const MIN_BODY_BYTES_PER_TOKEN = 2;

/** What one embedding context costs, from what the header says (or the worst case when it was not read). */
export interface EmbeddingContextInputs {
  readonly kvCacheBytesPerToken: number;
  readonly contextSize: number;
  /** Mean/CLS pooling or bidirectional attention: batches as long as the context. Undefined (unknown): assumed. */
  readonly wholeInputBatches?: boolean;
  readonly vocabularySize?: number;
}

/** Tokens per batch: the context for whole-input models, at most 512 for last-token ones. */
export function embeddingBatchTokens(contextSize: number, wholeInputBatches = true): number {
  return wholeInputBatches ? contextSize : Math.min(contextSize, SPLIT_INPUT_BATCH_TOKENS);
}

/**
 * MiB one embedding context can reach: its KV cache for the context, and a compute buffer of a batch of tokens,
 * each with an output row of the vocabulary's size (llama.cpp computes the output layer for every token of an
 * embedding batch) and its activations.
 */
export function embeddingContextMb(inputs: EmbeddingContextInputs): number {
  const batch = embeddingBatchTokens(inputs.contextSize, inputs.wholeInputBatches);
  const vocabulary = inputs.vocabularySize ?? ASSUMED_VOCABULARY_SIZE;
  return kvCacheMb(inputs.kvCacheBytesPerToken, inputs.contextSize) + (batch * (vocabulary * 4 + ACTIVATION_BYTES_PER_BATCH_TOKEN)) / MIB;
}

/** The contexts the runtime creates for `threads` (one per thread, at most two). */
export function embeddingContexts(threads: number): number {
  return Math.max(1, Math.min(MAX_EMBEDDING_CONTEXTS, threads));
}

/** Inputs of {@link recommendedEmbeddingTimeoutSeconds}. */
export interface EmbeddingTimeoutInputs {
  readonly modelBytes: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly maxRequestBodyBytes: number;
  readonly downloadsAtStart: boolean;
}

/**
 * A timeout that fits a cold start plus the largest request the body limit lets through (2,048 inputs filling the
 * context, or as many tokens as the body can spell), at the assumed throughput, rounded up to 10 s and capped at
 * 15 minutes. The runtime stops between inputs before the deadline and says how far it got.
 */
export function recommendedEmbeddingTimeoutSeconds(inputs: EmbeddingTimeoutInputs): number {
  const gib = Math.max(inputs.modelBytes / (1024 * MIB), 0.25);
  const tokensPerSecond = (EMBEDDING_TOKENS_PER_SECOND_PER_THREAD_GIB * inputs.threads) / gib;
  const worstTokens = Math.min(MAX_EMBEDDING_INPUTS * (inputs.contextSize - 1), inputs.maxRequestBodyBytes / MIN_BODY_BYTES_PER_TOKEN);
  const seconds = modelLoadSeconds(inputs.modelBytes, inputs.downloadsAtStart) + worstTokens / tokensPerSecond;
  return Math.min(LambdaLimits.MAX_TIMEOUT_SECONDS, Math.ceil(seconds / 10) * 10);
}
