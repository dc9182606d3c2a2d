import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

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

/**
 * Runs batch-composition.mjs (the library without and with the step gate, its decodes counted) before any
 * server starts, so nothing of the benchmark's own competes with it.
 */
export async function measureBatchComposition(options: {
  modelPath: string; threads: number; streams: number; tokens: number; rounds: number;
}): Promise<CompositionSample[]> {
  const { stdout } = await promisify(execFile)(process.execPath, [
    path.join(__dirname, 'batch-composition.mjs'), '--model', options.modelPath, '--threads', String(options.threads),
    '--streams', String(options.streams), '--tokens', String(options.tokens), '--rounds', String(options.rounds),
  ], { maxBuffer: 1024 * 1024, timeout: 1_800_000 });
  return stdout.trim().split('\n').map((line) => JSON.parse(line)).filter((line) => line.done === undefined);
}
