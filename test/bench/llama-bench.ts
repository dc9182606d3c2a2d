import { execFileSync } from 'node:child_process';

export interface LlamaBenchRow {
  readonly test: 'pp' | 'tg';
  readonly tokens: number;
  readonly threads: number;
  readonly tokensPerSecond: number;
  readonly stddev: number;
  readonly samples: readonly number[];
}

/**
 * Runs llama.cpp's own llama-bench on the same file (prompt processing of `promptTokens`, generation
 * of `generateTokens`) for each thread count: the native anchor above raw node-llama-cpp.
 */
export function runLlamaBench(binary: string, modelPath: string, options: {
  threads: readonly number[];
  promptTokens: number;
  generateTokens: number;
  repetitions: number;
}): LlamaBenchRow[] {
  const output = execFileSync(binary, [
    '-m', modelPath,
    '-t', options.threads.join(','),
    '-p', String(options.promptTokens),
    '-n', String(options.generateTokens),
    '-r', String(options.repetitions),
    '-o', 'json',
  ], { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  const rows = JSON.parse(output.slice(output.indexOf('['))) as Array<Record<string, any>>;
  return rows.map((row) => ({
    test: row.n_prompt > 0 ? 'pp' as const : 'tg' as const,
    tokens: row.n_prompt > 0 ? row.n_prompt : row.n_gen,
    threads: row.n_threads,
    tokensPerSecond: row.avg_ts,
    stddev: row.stddev_ts,
    samples: row.samples_ts ?? [],
  }));
}
