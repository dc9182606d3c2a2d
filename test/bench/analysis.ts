import { MainComparison } from './main-comparison';
import { GenerationSample } from './measurements';
import { summarize, Summary } from './stats';
import { SweepResult } from './thread-sweep';

export const MIB = 1024 * 1024;
export const RSS_ALLOWANCE_BYTES = 200 * MIB;

export interface ArmSummary {
  readonly ttftMs?: Summary;
  readonly promptTokensPerSecond?: Summary;
  readonly decodeTokensPerSecond?: Summary;
  readonly totalMs?: Summary;
  readonly promptTokens?: Summary;
  readonly completionTokens?: Summary;
  readonly serverReportedTtftMs?: Summary;
  readonly serverReportedTokensPerSecond?: Summary;
}

export interface ProcessSummary {
  readonly readyMs?: Summary;
  readonly peakRssBytes?: Summary;
  readonly rssAnonBytes?: Summary;
  readonly rssFileBytes?: Summary;
  readonly phases: Record<string, Summary | undefined>;
}

export interface Target {
  readonly name: string;
  readonly goal: string;
  readonly measured: Summary | undefined;
  readonly unit: string;
  readonly pass: boolean;
}

export interface SweepSummary {
  readonly threads: number;
  readonly decodeTokensPerSecond?: Summary;
  readonly ttftMs?: Summary;
  readonly promptTokensPerSecond?: Summary;
  readonly completionTokens?: Summary;
}

export interface Analysis {
  readonly arms: Record<string, ArmSummary>;
  readonly processes: Record<string, ProcessSummary>;
  /** Per-round server/raw ratios and differences (paired within a round, so machine drift cancels). */
  readonly paired: Record<string, Summary | undefined>;
  readonly rssBoundBytes: number;
  readonly targets: Target[];
  readonly sweep: SweepSummary[];
  readonly bestThreads: number | undefined;
}

/** The same summary in other units. */
export function scaleSummary(s: Summary | undefined, factor: number): Summary | undefined {
  return s && { median: s.median * factor, min: s.min * factor, max: s.max * factor, samples: s.samples.map((v) => v * factor) };
}

function summarizeArm(samples: readonly GenerationSample[]): ArmSummary {
  const of = (pick: (sample: GenerationSample) => number | undefined) =>
    summarize(samples.map(pick).filter((value): value is number => value !== undefined));
  return {
    ttftMs: of((s) => s.ttftMs),
    promptTokensPerSecond: of((s) => s.promptTokensPerSecond),
    decodeTokensPerSecond: of((s) => s.decodeTokensPerSecond),
    totalMs: of((s) => s.totalMs),
    promptTokens: of((s) => s.promptTokens),
    completionTokens: of((s) => s.completionTokens),
    serverReportedTtftMs: of((s) => s.serverReportedTtftMs),
    serverReportedTokensPerSecond: of((s) => s.serverReportedTokensPerSecond),
  };
}

/** Pairs two arms round by round and summarizes f(a, b). */
function paired(a: readonly { round: number }[], b: readonly { round: number }[], f: (x: any, y: any) => number): Summary | undefined {
  const values: number[] = [];
  for (const x of a) {
    const y = b.find((candidate) => candidate.round === x.round);
    if (y) values.push(f(x, y));
  }
  return summarize(values);
}

export function analyse(main: MainComparison, sweep: readonly SweepResult[], modelBytes: number): Analysis {
  const g = main.generations;
  const arms = Object.fromEntries(Object.entries(g).filter(([, samples]) => samples.length > 0)
    .map(([arm, samples]) => [arm, summarizeArm(samples)]));
  const processes = Object.fromEntries(Object.entries(main.processes).filter(([, samples]) => samples.length > 0)
    .map(([name, samples]) => [name, {
      readyMs: summarize(samples.map((s) => s.readyMs)),
      peakRssBytes: summarize(samples.map((s) => s.memory?.peakRssBytes ?? NaN)),
      rssAnonBytes: summarize(samples.map((s) => s.memory?.rssAnonBytes ?? NaN)),
      rssFileBytes: summarize(samples.map((s) => s.memory?.rssFileBytes ?? NaN)),
      phases: Object.fromEntries([...new Set(samples.flatMap((s) => Object.keys(s.phases)))]
        .map((phase) => [phase, summarize(samples.map((s) => s.phases[phase] ?? NaN))])),
    }]));
  const decode = (s: GenerationSample) => s.decodeTokensPerSecond;
  const pairs: Analysis['paired'] = {
    decodeStreamedOverRaw: paired(g.serverStreamed, g.rawEvaluate, (x, y) => decode(x) / decode(y)),
    decodeBufferedOverRaw: paired(g.serverBuffered, g.rawEvaluate, (x, y) => decode(x) / decode(y)),
    decodeLibraryOverRaw: paired(g.rawCompletion, g.rawEvaluate, (x, y) => decode(x) / decode(y)),
    decodeStreamedOverLibrary: paired(g.serverStreamed, g.rawCompletion, (x, y) => decode(x) / decode(y)),
    ttftStreamedMinusRawMs: paired(g.serverStreamed, g.rawEvaluate, (x, y) => x.ttftMs - y.ttftMs),
    ttftLibraryMinusRawMs: paired(g.rawCompletion, g.rawEvaluate, (x, y) => x.ttftMs - y.ttftMs),
    ttftStreamedMinusLibraryMs: paired(g.serverStreamed, g.rawCompletion, (x, y) => x.ttftMs - y.ttftMs),
    ttftStreamedClientMinusServerLoggedMs: summarize(g.serverStreamed.map((s) => s.ttftMs - (s.serverReportedTtftMs ?? NaN))),
    totalBufferedOverRaw: paired(g.serverBuffered, g.rawEvaluate, (x, y) => x.totalMs / y.totalMs),
    readyServerOverRaw: paired(main.processes.server, main.processes.rawEvaluate, (x, y) => x.readyMs / y.readyMs),
    readyServerMinusRawMs: paired(main.processes.server, main.processes.rawEvaluate, (x, y) => x.readyMs - y.readyMs),
  };
  const rssBoundBytes = modelBytes + main.kvCacheBytes + RSS_ALLOWANCE_BYTES;
  const serverRss = processes.server?.peakRssBytes;
  const mib = (s: Summary | undefined) => scaleSummary(s, 1 / MIB);
  const targets: Target[] = [
    {
      name: 'Decode speed, streamed',
      goal: '≥ 0.97 × raw',
      unit: '× raw',
      measured: pairs.decodeStreamedOverRaw,
      pass: (pairs.decodeStreamedOverRaw?.median ?? 0) >= 0.97,
    },
    {
      name: 'Decode speed, buffered',
      goal: '≥ 0.97 × raw',
      unit: '× raw',
      measured: pairs.decodeBufferedOverRaw,
      pass: (pairs.decodeBufferedOverRaw?.median ?? 0) >= 0.97,
    },
    {
      name: 'Time to first token overhead (streamed, client-side)',
      goal: '≤ 10 ms over raw',
      unit: 'ms',
      measured: pairs.ttftStreamedMinusRawMs,
      pass: (pairs.ttftStreamedMinusRawMs?.median ?? Infinity) <= 10,
    },
    {
      name: 'Start to ready',
      goal: '≤ 1.2 × raw load',
      unit: '× raw',
      measured: pairs.readyServerOverRaw,
      pass: (pairs.readyServerOverRaw?.median ?? Infinity) <= 1.2,
    },
    {
      name: 'Peak RSS of the server',
      goal: `≤ model + KV cache + 200 MiB = ${(rssBoundBytes / MIB).toFixed(0)} MiB`,
      unit: 'MiB',
      measured: mib(serverRss),
      pass: (serverRss?.median ?? Infinity) <= rssBoundBytes,
    },
  ];
  const sweepSummaries = sweep.map((result) => ({
    threads: result.threads,
    decodeTokensPerSecond: summarize(result.samples.map((s) => s.decodeTokensPerSecond)),
    ttftMs: summarize(result.samples.map((s) => s.ttftMs)),
    promptTokensPerSecond: summarize(result.samples.map((s) => s.promptTokensPerSecond)),
    completionTokens: summarize(result.samples.map((s) => s.completionTokens)),
  }));
  const best = [...sweepSummaries].filter((s) => s.decodeTokensPerSecond)
    .sort((a, b) => b.decodeTokensPerSecond!.median - a.decodeTokensPerSecond!.median)[0];
  return { arms, processes, paired: pairs, rssBoundBytes, targets, sweep: sweepSummaries, bestThreads: best?.threads };
}
