import type { ConcurrentSample, JoinSample, SeedSample } from './parallel-streams';
import { summarize, Summary } from './stats';

/** parallel: this server with LLM_PARALLEL=N; llama: llama-server -np N; default: LLM_PARALLEL=1; today: the baseline commit. */
export type ArmRole = 'parallel' | 'llama' | 'default' | 'today';

/** What one arm (a server configuration) measured: per round, per number of streams. */
export interface ArmRun {
  readonly arm: string;
  readonly role: ArmRole;
  /** rounds[r][streams] */
  readonly rounds: Array<Record<number, ConcurrentSample>>;
  readonly joins: JoinSample[];
  readonly seeds: SeedSample[];
}

export interface LevelSummary {
  readonly streams: number;
  readonly aggregateDecode?: Summary;
  readonly perStreamDecode?: Summary;
  readonly ttftMs?: Summary;
  readonly endToEnd?: Summary;
}

export interface Ratio {
  readonly label: string;
  /** Median of the per-round ratios (each round measures both sides back to back), with their range. */
  readonly paired?: Summary;
  readonly goal?: number;
}

export function levelSummaries(run: ArmRun, levels: readonly number[]): LevelSummary[] {
  return levels.flatMap((streams) => {
    const samples = run.rounds.map((round) => round[streams]).filter((sample) => sample !== undefined);
    if (samples.length === 0) return [];
    return [{
      streams,
      aggregateDecode: summarize(samples.map((sample) => sample.aggregateDecodeTokensPerSecond)),
      perStreamDecode: summarize(samples.flatMap((sample) => sample.samples.map((stream) => stream.decodeTokensPerSecond))),
      ttftMs: summarize(samples.flatMap((sample) => sample.samples.map((stream) => stream.ttftMs))),
      endToEnd: summarize(samples.map((sample) => sample.endToEndTokensPerSecond)),
    }];
  });
}

/** Round by round, the aggregate decode of `a` at `streamsA` over that of `b` at `streamsB`. */
export function pairedRatio(label: string, a: ArmRun | undefined, streamsA: number, b: ArmRun | undefined, streamsB: number, goal?: number): Ratio {
  if (a === undefined || b === undefined) return { label, goal };
  const ratios = a.rounds.map((round, index) => {
    const top = round[streamsA]?.aggregateDecodeTokensPerSecond;
    const bottom = b.rounds[index]?.[streamsB]?.aggregateDecodeTokensPerSecond;
    return top !== undefined && bottom !== undefined ? top / bottom : NaN;
  });
  return { label, paired: summarize(ratios), goal };
}

export interface JoinSummary {
  readonly joinerTtftMs?: Summary;
  readonly runningMaxGapMs?: Summary;
  readonly runningMedianGapMs?: Summary;
}

export function joinSummary(run: ArmRun): JoinSummary {
  return {
    joinerTtftMs: summarize(run.joins.map((join) => join.joinerTtftMs)),
    runningMaxGapMs: summarize(run.joins.map((join) => join.runningMaxGapMs)),
    runningMedianGapMs: summarize(run.joins.map((join) => join.runningMedianGapMs)),
  };
}
