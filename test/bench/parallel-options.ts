import os from 'node:os';

export interface ParallelBenchOptions {
  /** Interleaved rounds: every arm runs every level once per round. */
  readonly rounds: number;
  /** Tokens each stream generates. */
  readonly tokens: number;
  readonly threads: number;
  /** Sequences of the parallel server and slots of llama-server. */
  readonly parallel: number;
  /** Streams sent at once, per measurement. */
  readonly levels: readonly number[];
  /** Per sequence (LLM_CONTEXT_SIZE) and per llama-server slot. */
  readonly contextSize: number;
  /** llama-server: a binary, "build" (from node-llama-cpp's bundled source, cached), or undefined (not run). */
  readonly llamaServer?: string;
  /** A commit whose server is "today's server" in the single-stream comparison ("none": not run). */
  readonly baselineRef: string;
  /** Seeded answers compared alone and in a shared batch. */
  readonly seedTrials: number;
  /** Measure node-llama-cpp's batching options (batching-options.mjs) before the servers. */
  readonly batchingOptions: boolean;
  readonly portBase: number;
  readonly cacheDir: string;
  readonly outputDir: string;
}

const USAGE = `usage: run-parallel-bench.ts [--rounds N] [--tokens N] [--threads N] [--parallel N] [--levels 1,2,4]
  [--context-size N] [--llama-server PATH|build] [--baseline REF|none] [--seed-trials N] [--no-batching-options] [--port-base N]
  [--cache-dir DIR] [--output-dir DIR]`;

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} expects a positive whole number\n${USAGE}`);
  return value;
}

export function parseParallelBenchOptions(argv: readonly string[], repoRoot: string): ParallelBenchOptions {
  let options: ParallelBenchOptions = {
    rounds: 5,
    tokens: 64,
    threads: os.availableParallelism(),
    parallel: 4,
    levels: [1, 2, 4],
    contextSize: 4096,
    baselineRef: 'main',
    seedTrials: 3,
    batchingOptions: true,
    portBase: 18400,
    cacheDir: `${repoRoot}/.bench-cache`,
    outputDir: `${repoRoot}/docs/benchmarks`,
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = () => {
      const next = argv[++i];
      if (next === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return next;
    };
    switch (flag) {
      // `npx projen bench:parallel -- --rounds 3` hands the separator on.
      case '--': break;
      case '--rounds': options = { ...options, rounds: positive(flag, value()) }; break;
      case '--tokens': options = { ...options, tokens: positive(flag, value()) }; break;
      case '--threads': options = { ...options, threads: positive(flag, value()) }; break;
      case '--parallel': options = { ...options, parallel: positive(flag, value()) }; break;
      case '--levels': options = { ...options, levels: value().split(',').map((part) => positive(flag, part)) }; break;
      case '--context-size': options = { ...options, contextSize: positive(flag, value()) }; break;
      case '--llama-server': options = { ...options, llamaServer: value() }; break;
      case '--baseline': options = { ...options, baselineRef: value() }; break;
      case '--seed-trials': options = { ...options, seedTrials: Number(value()) }; break;
      case '--no-batching-options': options = { ...options, batchingOptions: false }; break;
      case '--port-base': options = { ...options, portBase: positive(flag, value()) }; break;
      case '--cache-dir': options = { ...options, cacheDir: value() }; break;
      case '--output-dir': options = { ...options, outputDir: value() }; break;
      case '--help': throw new Error(USAGE);
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (options.tokens < 2) throw new Error('--tokens must be at least 2 (decode speed needs a second token)');
  if (options.levels.some((level) => level > options.parallel)) throw new Error(`--levels may not exceed --parallel (${options.parallel})`);
  if (!Number.isInteger(options.seedTrials) || options.seedTrials < 0) throw new Error(`--seed-trials expects a whole number\n${USAGE}`);
  return options;
}
