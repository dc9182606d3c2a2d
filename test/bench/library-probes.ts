import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Measurements of node-llama-cpp itself, with the runtime's step gate and without a server: each is an ESM
 * script beside this file that prints one JSON line per sample. They run before any server starts, so nothing
 * of the benchmark's own competes with them.
 */
async function jsonLines<T>(script: string, options: Record<string, string | number>): Promise<T[]> {
  const args = Object.entries(options).flatMap(([name, value]) => [`--${name}`, String(value)]);
  const command = [path.join(__dirname, script), ...args];
  const { stdout } = await promisify(execFile)(process.execPath, command, { maxBuffer: 1024 * 1024, timeout: 3_600_000 });
  return stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.done === undefined);
}

/** Tokens each stream generates in the composition measurement. */
export const COMPOSITION_TOKENS = 48;

/** One arm of batch-composition.mjs: tokens per llama.cpp decode while every stream generates. */
export interface CompositionSample {
  readonly round: number;
  readonly gated: boolean;
  readonly streams: number;
  readonly decodes: number;
  readonly tokensPerDecode: number;
  /** Compute passes llama.cpp splits a decode into (each reads all the weights). */
  readonly passesPerDecode: number;
  readonly histogram: Record<string, number>;
  readonly steadyTokensPerSecond: number;
}

/** Where the library's probes run: the benchmark model, its threads, how many streams and rounds. */
export interface ProbeOptions {
  readonly modelPath: string;
  readonly threads: number;
  readonly streams: number;
  readonly rounds: number;
}

export function measureBatchComposition(options: ProbeOptions): Promise<CompositionSample[]> {
  return jsonLines('batch-composition.mjs', {
    model: options.modelPath, threads: options.threads, streams: options.streams, tokens: COMPOSITION_TOKENS, rounds: options.rounds,
  });
}

/** One variant and round of batching-options.mjs. */
export interface BatchingOptionSample {
  readonly variant: string;
  readonly round: number;
  readonly aggregateDecodeTokensPerSecond: number;
  readonly joinPromptWords: number;
  readonly joinerTtftMs: number;
  readonly runningLongestGapMs: number;
  readonly runningUsualGapMs: number;
}

export function measureBatchingOptions(options: ProbeOptions): Promise<BatchingOptionSample[]> {
  return jsonLines('batching-options.mjs', { model: options.modelPath, threads: options.threads, streams: options.streams, rounds: options.rounds });
}

/** One variant and round of lone-stream.mjs: a single generation, nothing else running. */
export interface LoneStreamSample {
  readonly variant: string;
  readonly sequences: number;
  readonly gated: boolean;
  readonly flashAttention: boolean;
  readonly round: number;
  readonly decodeTokensPerSecond: number;
}

export function measureLoneStream(options: ProbeOptions): Promise<LoneStreamSample[]> {
  return jsonLines('lone-stream.mjs', { model: options.modelPath, threads: options.threads, streams: options.streams, rounds: options.rounds });
}
