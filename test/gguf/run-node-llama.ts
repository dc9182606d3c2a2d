/**
 * Runs verify-model.mjs (real node-llama-cpp, which is ESM-only) in a child `node` process and
 * returns its parsed results; CommonJS jest tests cannot import node-llama-cpp directly.
 */
import { spawnSync } from 'child_process';
import * as path from 'path';

/** node-llama-cpp sampling options, passed through as is (temperature defaults to 0 here). */
export interface Sampling {
  maxTokens?: number;
  temperature?: number;
  seed?: number;
  repeatPenalty?: { penalty?: number; frequencyPenalty?: number; presencePenalty?: number; lastTokens?: number };
}

export type NodeLlamaCheck =
  | { op: 'info' }
  | ({ op: 'chat'; messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }>; thoughtTokens?: number } & Sampling)
  | { op: 'chatPrompt'; messages: Array<{ role: 'system' | 'user' | 'assistant'; content: string }> }
  | ({ op: 'completion'; prompt: string } & Sampling)
  | { op: 'tokenize'; text: string; special?: boolean }
  /** `getEmbeddingFor` on an embedding context of its own: raw vectors, and each input's length with BOS/EOS. */
  | { op: 'embed'; inputs: ReadonlyArray<string | readonly number[]>; contextSize?: number; batchSize?: number };

export interface NodeLlamaJob {
  readonly modelPath: string;
  readonly checks: readonly NodeLlamaCheck[];
  /** @default 2048 */
  readonly contextSize?: number;
  /** @default 1 */
  readonly threads?: number;
}

/** Loosely typed: each entry mirrors what verify-model.mjs prints for the matching check. */
export type NodeLlamaResult = Record<string, any>;

export function runNodeLlama(job: NodeLlamaJob, timeoutMs = 300_000): NodeLlamaResult[] {
  const script = path.join(__dirname, 'verify-model.mjs');
  const res = spawnSync(process.execPath, [script, JSON.stringify(job)], { encoding: 'utf8', timeout: timeoutMs });
  const line = res.stdout?.split('\n').find((l) => l.startsWith('RESULT '));
  if (res.status !== 0 || !line) {
    throw new Error(`verify-model.mjs failed (status ${res.status}, signal ${res.signal}):\n${res.stderr}\n${res.stdout}`);
  }
  return JSON.parse(line.slice('RESULT '.length));
}
