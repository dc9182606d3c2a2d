import { Arm, MainComparison } from './main-comparison';
import { GenerationSample } from './measurements';
import { bootstrapInterval, summarize, Summary } from './stats';
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
  /** What the verdict is judged on: server median against raw median (ratio or difference), or the server's median. */
  readonly value: number | undefined;
  /** The same comparison round by round (paired samples), or the server's own samples: the spread. */
  readonly spread: Summary | undefined;
  /** 90 % bootstrap interval of `value`; when it straddles the goal, this run alone cannot decide. */
  readonly interval: [number, number] | undefined;
  readonly unit: string;
  readonly pass: boolean;
  /** true when the whole interval is on the verdict's side of the goal. */
  readonly clear: boolean;
}

export interface SweepSummary {
  readonly threads: number;
  readonly decodeTokensPerSecond?: Summary;
  readonly ttftMs?: Summary;
  readonly promptTokensPerSecond?: Summary;
  readonly completionTokens?: Summary;
}

export interface Analysis {
  /** How the server loaded the model: mmap (node-llama-cpp's default) or a plain read (useMmap: false). */
  readonly serverUsesMmap: boolean;
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

/** Best (highest) sample of arm a over best sample of arm b, as a one-sample summary. */
function bestOverBest(a: readonly GenerationSample[], b: readonly GenerationSample[], f: (s: GenerationSample) => number): Summary | undefined {
  if (a.length === 0 || b.length === 0) return undefined;
  return summarize([Math.max(...a.map(f)) / Math.max(...b.map(f))]);
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
    ttftShortStreamedMinusRawMs: paired(g.serverStreamedShort, g.rawEvaluateShort, (x, y) => x.ttftMs - y.ttftMs),
    ttftLibraryMinusRawMs: paired(g.rawCompletion, g.rawEvaluate, (x, y) => x.ttftMs - y.ttftMs),
    ttftStreamedMinusLibraryMs: paired(g.serverStreamed, g.rawCompletion, (x, y) => x.ttftMs - y.ttftMs),
    ttftStreamedClientMinusServerLoggedMs: summarize(g.serverStreamed.map((s) => s.ttftMs - (s.serverReportedTtftMs ?? NaN))),
    totalBufferedOverRaw: paired(g.serverBuffered, g.rawEvaluate, (x, y) => x.totalMs / y.totalMs),
    readyServerOverRaw: paired(main.processes.server, main.processes[main.serverUsesMmap ? 'rawEvaluate' : 'rawRead'], (x, y) => x.readyMs / y.readyMs),
    readyServerOverRawMmap: paired(main.processes.server, main.processes.rawEvaluate, (x, y) => x.readyMs / y.readyMs),
    // Noise-robust cross-checks: a neighbour's burst only ever slows a sample down, so the best sample of
    // each arm approximates its speed on a quiet machine.
    bestDecodeStreamedOverRaw: bestOverBest(g.serverStreamed, g.rawEvaluate, decode),
    bestDecodeBufferedOverRaw: bestOverBest(g.serverBuffered, g.rawEvaluate, decode),
    bestTtftStreamedMinusRawMs: summarize([Math.min(...g.serverStreamed.map((s) => s.ttftMs)) - Math.min(...g.rawEvaluate.map((s) => s.ttftMs))]),
    readyReadOverMmap: paired(main.processes.rawRead, main.processes.rawEvaluate, (x, y) => x.readyMs / y.readyMs),
    readyServerMinusRawMs: paired(main.processes.server, main.processes.rawEvaluate, (x, y) => x.readyMs - y.readyMs),
  };
  const rssBoundBytes = modelBytes + main.kvCacheBytes + RSS_ALLOWANCE_BYTES;
  const serverRss = processes.server?.peakRssBytes;
  const mib = (s: Summary | undefined) => scaleSummary(s, 1 / MIB);
  const median = (arm: string, pick: (summary: ArmSummary) => Summary | undefined) => pick(arms[arm] ?? {})?.median;
  const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
  const difference = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : undefined);
  const decodeOf = (summary: ArmSummary) => summary.decodeTokensPerSecond;
  const ttftOf = (summary: ArmSummary) => summary.ttftMs;
  const decodeStreamed = ratio(median('serverStreamed', decodeOf), median('rawEvaluate', decodeOf));
  const decodeBuffered = ratio(median('serverBuffered', decodeOf), median('rawEvaluate', decodeOf));
  const ttftShort = difference(median('serverStreamedShort', ttftOf), median('rawEvaluateShort', ttftOf));
  // Start-up is compared with raw loading the model the same way the server does (mmap or read):
  // that choice trades start time for memory and is reported on its own.
  const rawStarter = main.serverUsesMmap ? 'rawEvaluate' : 'rawRead';
  const ready = ratio(processes.server?.readyMs?.median, processes[rawStarter]?.readyMs?.median);
  const samplesOf = (arm: Arm, pick: (sample: GenerationSample) => number) => (main.generations[arm] ?? []).map(pick);
  const decodeSamples = (arm: Arm) => samplesOf(arm, (sample) => sample.decodeTokensPerSecond);
  const ttftSamples = (arm: Arm) => samplesOf(arm, (sample) => sample.ttftMs);
  const readySamples = (name: keyof MainComparison['processes']) => main.processes[name].map((sample) => sample.readyMs);
  const serverRssMib = main.processes.server.map((sample) => (sample.memory?.peakRssBytes ?? NaN) / MIB);
  const byRatio = (x: number, y: number) => x / y;
  const byDifference = (x: number, y: number) => x - y;
  const atLeast = (goal: number) => (v: number) => v >= goal;
  const atMost = (goal: number) => (v: number) => v <= goal;
  const target = (fields: Omit<Target, 'pass' | 'clear'>, meets: (v: number) => boolean): Target => {
    const pass = fields.value !== undefined && meets(fields.value);
    const clear = fields.interval !== undefined && meets(fields.interval[0]) === pass && meets(fields.interval[1]) === pass;
    return { ...fields, pass, clear };
  };
  const targets: Target[] = [
    target({
      name: 'Decode speed, streamed',
      goal: '≥ 0.97 × raw',
      unit: '× raw',
      value: decodeStreamed,
      spread: pairs.decodeStreamedOverRaw,
      interval: bootstrapInterval(decodeSamples('serverStreamed'), decodeSamples('rawEvaluate'), byRatio),
    }, atLeast(0.97)),
    target({
      name: 'Decode speed, buffered',
      goal: '≥ 0.97 × raw',
      unit: '× raw',
      value: decodeBuffered,
      spread: pairs.decodeBufferedOverRaw,
      interval: bootstrapInterval(decodeSamples('serverBuffered'), decodeSamples('rawEvaluate'), byRatio),
    }, atLeast(0.97)),
    target({
      name: 'Time to first token overhead (streamed, at the client, short prompt)',
      goal: '≤ 10 ms over raw',
      unit: 'ms',
      value: ttftShort,
      spread: pairs.ttftShortStreamedMinusRawMs,
      interval: bootstrapInterval(ttftSamples('serverStreamedShort'), ttftSamples('rawEvaluateShort'), byDifference),
    }, atMost(10)),
    target({
      name: `Start to ready (raw loading with ${main.serverUsesMmap ? 'mmap' : 'useMmap: false'}, as the server does)`,
      goal: '≤ 1.2 × raw load',
      unit: '× raw',
      value: ready,
      spread: pairs.readyServerOverRaw,
      interval: bootstrapInterval(readySamples('server'), readySamples(rawStarter), byRatio),
    }, atMost(1.2)),
    target({
      name: 'Peak RSS of the server',
      goal: `≤ model + KV cache + 200 MiB = ${(rssBoundBytes / MIB).toFixed(0)} MiB`,
      unit: 'MiB',
      value: serverRss && serverRss.median / MIB,
      spread: mib(serverRss),
      interval: bootstrapInterval(serverRssMib, [0], (x) => x),
    }, atMost(rssBoundBytes / MIB)),
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
  return {
    serverUsesMmap: main.serverUsesMmap,
    arms,
    processes,
    paired: pairs,
    rssBoundBytes,
    targets,
    sweep: sweepSummaries,
    bestThreads: best?.threads,
  };
}
