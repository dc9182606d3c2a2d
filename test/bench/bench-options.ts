import os from 'node:os';

export interface BenchOptions {
  /** Fresh starts of every process in the main comparison (start-to-ready and RSS samples). */
  readonly sessions: number;
  /** Rounds of the main A/B comparison per session: one generation per arm each. */
  readonly rounds: number;
  /** Tokens every generation must produce. */
  readonly tokens: number;
  /** Threads on both sides of the main comparison: the server's own default. */
  readonly threads: number;
  readonly contextSize: number;
  readonly sweepThreads: readonly number[];
  readonly sweepRounds: number;
  /** Tokens per thread-sweep request (oversubscribed thread counts are slow: keep it short). */
  readonly sweepTokens: number;
  /** Also measure node-llama-cpp's LlamaCompletion (the layer the server is built on) as a third arm. */
  readonly libraryArm: boolean;
  readonly llamaBench?: string;
  readonly portBase: number;
  readonly cacheDir: string;
  readonly outputDir: string;
}

const USAGE = `usage: run-bench.ts [--sessions N] [--rounds N] [--tokens N] [--threads N] [--context-size N]
  [--sweep-threads 1,2,3] [--sweep-rounds N] [--sweep-tokens N] [--no-library-arm]
  [--llama-bench PATH] [--port-base N] [--cache-dir DIR] [--output-dir DIR]`;

function positive(name: string, raw: string | undefined): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} expects a positive whole number\n${USAGE}`);
  return value;
}

export function parseBenchOptions(argv: readonly string[], repoRoot: string): BenchOptions {
  const parallelism = os.availableParallelism();
  let options: BenchOptions = {
    sessions: 3,
    rounds: 5,
    tokens: 32,
    threads: parallelism,
    contextSize: 4096,
    sweepThreads: [...new Set([1, parallelism, parallelism + 1, parallelism * 2])].sort((a, b) => a - b),
    sweepRounds: 3,
    sweepTokens: 32,
    libraryArm: true,
    portBase: 18300,
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
      case '--sessions': options = { ...options, sessions: positive(flag, value()) }; break;
      case '--rounds': options = { ...options, rounds: positive(flag, value()) }; break;
      case '--tokens': options = { ...options, tokens: positive(flag, value()) }; break;
      case '--threads': options = { ...options, threads: positive(flag, value()) }; break;
      case '--context-size': options = { ...options, contextSize: positive(flag, value()) }; break;
      case '--sweep-threads':
        options = { ...options, sweepThreads: value().split(',').map((part) => positive(flag, part)) };
        break;
      case '--sweep-rounds': options = { ...options, sweepRounds: positive(flag, value()) }; break;
      case '--sweep-tokens': options = { ...options, sweepTokens: positive(flag, value()) }; break;
      case '--no-library-arm': options = { ...options, libraryArm: false }; break;
      case '--llama-bench': options = { ...options, llamaBench: value() }; break;
      case '--port-base': options = { ...options, portBase: positive(flag, value()) }; break;
      case '--cache-dir': options = { ...options, cacheDir: value() }; break;
      case '--output-dir': options = { ...options, outputDir: value() }; break;
      case '--help': throw new Error(USAGE);
      default: throw new Error(`unknown option ${flag}\n${USAGE}`);
    }
  }
  if (options.tokens < 2) throw new Error('--tokens must be at least 2 (decode speed needs a second token)');
  return options;
}
