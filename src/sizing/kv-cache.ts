import { MIB } from './lambda-limits';

/**
 * The shape of a transformer's key/value cache, as read from a GGUF header.
 * Bytes per token = layers x KV heads x (key length + value length) x 2 bytes (f16 cache, node-llama-cpp's default).
 */
export interface KvCacheShape {
  readonly blockCount: number;
  readonly kvHeadCount: number;
  readonly keyLength: number;
  readonly valueLength: number;
}

/** Bytes of f16 KV cache one token of context takes. */
export function kvCacheBytesPerToken(shape: KvCacheShape): number {
  return shape.blockCount * shape.kvHeadCount * (shape.keyLength + shape.valueLength) * 2;
}

/**
 * The estimate used when the model's shape is unknown at synth (URL and bucket sources): 64 KiB per token for each
 * GiB of model file. It covers grouped-query-attention families measured against their Q4_K_M files (Qwen2 1.5B:
 * 27 KiB/GiB, Qwen2 7B: 13, Llama-3 8B: 28, Mistral 7B: 29, Gemma-2 9B: 60) with room to spare; models without
 * grouped-query attention (Llama-2, Phi-3-mini) need more, so pass `kvCacheBytesPerToken` for those.
 */
export const ESTIMATED_KV_BYTES_PER_TOKEN_PER_GIB = 64 * 1024;

/** Never estimate below this (tiny models still keep a real cache). */
export const MIN_ESTIMATED_KV_BYTES_PER_TOKEN = 16 * 1024;

/** Conservative KV bytes per token for a model of `modelBytes` whose shape is unknown. */
export function estimateKvCacheBytesPerToken(modelBytes: number): number {
  const gib = modelBytes / (1024 * MIB);
  return Math.max(MIN_ESTIMATED_KV_BYTES_PER_TOKEN, Math.ceil(ESTIMATED_KV_BYTES_PER_TOKEN_PER_GIB * gib));
}

/** node-llama-cpp rounds a requested context size up to a multiple of 256 tokens (64 -> 256, 300 -> 512). */
export function effectiveContextSize(contextSize: number): number {
  return Math.ceil(contextSize / 256) * 256;
}

/** MiB of KV cache for `contextSize` tokens. */
export function kvCacheMb(bytesPerToken: number, contextSize: number): number {
  return (bytesPerToken * effectiveContextSize(contextSize)) / MIB;
}
