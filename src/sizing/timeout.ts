import { LambdaLimits, MIB } from './lambda-limits';

/**
 * Decode speed the tuner assumes: tokens per second for one thread and one GiB of weights. Decoding a
 * quantized model is bound by memory bandwidth, so speed falls with model size and rises with threads.
 * On a desktop x86 core a 1 GiB Q4_0 model decodes at ~10 tok/s per thread; 4 leaves room for slower
 * Lambda vCPUs, K-quants and noisy neighbours.
 */
export const DECODE_TOKENS_PER_SECOND_PER_THREAD_GIB = 4;

/** Prompt processing is batched: assume it runs this many times faster than decoding. */
export const PREFILL_SPEEDUP = 8;

/** Fixed start-up cost: process start, getLlama, context creation. */
export const STARTUP_SECONDS = 10;

/** Conservative read speed of the weights at a cold start (lazy-loaded image layers, or an S3 download). */
export const MODEL_LOAD_MB_PER_SECOND = 50;

/** Inputs of {@link recommendedTimeoutSeconds}. */
export interface TimeoutInputs {
  readonly modelBytes: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly maxTokens: number;
  /** The model is downloaded to /tmp at start (bucket source): reading it costs twice. */
  readonly downloadsAtStart: boolean;
  /**
   * Generations that share the threads at once (Managed Instances' LLM_PARALLEL). Each is assumed to get
   * 1/parallel of the single-stream speed: batching gains nothing in this estimate, so it stays conservative.
   *
   * @default 1
   */
  readonly parallel?: number;
}

/** Conservative decode speed, tokens per second. */
export function conservativeTokensPerSecond(modelBytes: number, threads: number): number {
  const gib = Math.max(modelBytes / (1024 * MIB), 0.25);
  return (DECODE_TOKENS_PER_SECOND_PER_THREAD_GIB * threads) / gib;
}

/** Seconds a cold start spends before the first token can be generated. */
export function modelLoadSeconds(modelBytes: number, downloadsAtStart: boolean): number {
  const reads = downloadsAtStart ? 2 : 1;
  return STARTUP_SECONDS + (reads * modelBytes) / MIB / MODEL_LOAD_MB_PER_SECOND;
}

/**
 * A timeout that fits a cold start plus the worst request (a prompt filling the context up to
 * `maxTokens` before the end, then `maxTokens` generated), at conservative speeds, rounded up to 10 s and
 * capped at Lambda's 15 minutes. The runtime also stops generating shortly before the deadline, so a
 * capped timeout shortens the longest answers instead of failing them.
 */
export function recommendedTimeoutSeconds(inputs: TimeoutInputs): number {
  const decodeTps = conservativeTokensPerSecond(inputs.modelBytes, inputs.threads) / (inputs.parallel ?? 1);
  const promptTokens = Math.max(0, inputs.contextSize - inputs.maxTokens);
  const seconds = modelLoadSeconds(inputs.modelBytes, inputs.downloadsAtStart)
    + promptTokens / (decodeTps * PREFILL_SPEEDUP)
    + inputs.maxTokens / decodeTps;
  return Math.min(LambdaLimits.MAX_TIMEOUT_SECONDS, Math.ceil(seconds / 10) * 10);
}
