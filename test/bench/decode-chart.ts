import { Analysis } from './analysis';
import { BenchOptions } from './bench-options';
import { barChartSvg, ChartBar } from './chart-svg';
import { LlamaBenchRow } from './llama-bench';
import { summarize } from './stats';

export const ARM_LABELS: Record<string, string> = {
  rawEvaluate: 'raw node-llama-cpp (token loop)',
  rawCompletion: 'raw LlamaCompletion',
  serverBuffered: 'server, buffered',
  serverStreamed: 'server, streamed (SSE)',
};

/** Decode tokens/s: the main comparison's arms (and llama-bench when given), then the thread sweep. */
export function decodeChartSvg(analysis: Analysis, options: BenchOptions, llamaBench: readonly LlamaBenchRow[] | undefined): string {
  const mainGroup = `${options.threads} threads, ${options.tokens} tokens, ${options.sessions * options.rounds} interleaved rounds`;
  const bars: ChartBar[] = Object.entries(ARM_LABELS)
    .filter(([arm]) => analysis.arms[arm])
    .map(([arm, label]) => ({ group: mainGroup, label, summary: analysis.arms[arm].decodeTokensPerSecond }));
  const native = llamaBench?.find((row) => row.test === 'tg' && row.threads === options.threads);
  if (native) {
    bars.push({ group: mainGroup, label: 'llama.cpp llama-bench (tg)', summary: summarize(native.samples.length ? native.samples : [native.tokensPerSecond]) });
  }
  for (const entry of analysis.sweep) {
    bars.push({ group: `server thread sweep (streamed, ${options.sweepTokens} tokens, ${options.sweepRounds} rounds)`, label: `${entry.threads} thread${entry.threads > 1 ? 's' : ''}`, summary: entry.decodeTokensPerSecond });
  }
  return barChartSvg('Decode speed, DeepSeek-R1-Distill-Qwen-1.5B-shaped Q4_0', 'tokens per second', bars);
}
