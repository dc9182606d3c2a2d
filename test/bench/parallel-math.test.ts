import { ArmRun, levelSummaries, pairedRatio } from './parallel-analysis';
import { parseParallelBenchOptions } from './parallel-options';
import { parallelRatios, ParallelResults } from './parallel-report';
import type { ConcurrentSample } from './parallel-streams';

/** A level measurement whose streams decoded at these speeds. */
function level(streams: number, perStream: number[], ttftMs = 100): ConcurrentSample {
  return {
    streams,
    samples: perStream.map((rate) => ({
      completionTokens: 64, ttftMs, decodeTokensPerSecond: rate, firstTokenAtMs: ttftMs, lastTokenAtMs: ttftMs + 63_000 / rate, maxGapMs: 1000 / rate,
    })),
    aggregateDecodeTokensPerSecond: perStream.reduce((a, b) => a + b, 0),
    endToEndTokensPerSecond: NaN,
  };
}

function run(role: ArmRun['role'], rounds: Array<Record<number, ConcurrentSample>>): ArmRun {
  return { arm: role, role, rounds, joins: [], seeds: [] };
}

describe('parallel benchmark arithmetic', () => {
  test('levels summarize the aggregate per round and every stream of every round', () => {
    const server = run('parallel', [{ 1: level(1, [20]), 4: level(4, [10, 11, 12, 13]) }, { 1: level(1, [22]), 4: level(4, [9, 9, 9, 9]) }]);
    const [one, four] = levelSummaries(server, [1, 4]);
    expect(one.aggregateDecode).toMatchObject({ median: 21, min: 20, max: 22 });
    expect(four.aggregateDecode).toMatchObject({ median: 41, min: 36, max: 46 });
    expect(four.perStreamDecode?.samples).toHaveLength(8);
  });

  test('ratios are taken round by round, so a slow round moves both sides', () => {
    // Round 2 is twice as slow for everything: the per-round ratio stays 2.
    const server = run('parallel', [{ 1: level(1, [20]), 4: level(4, [10, 10, 10, 10]) }, { 1: level(1, [10]), 4: level(4, [5, 5, 5, 5]) }]);
    expect(pairedRatio('x', server, 4, server, 1).paired).toMatchObject({ median: 2, min: 2, max: 2 });
    expect(pairedRatio('x', server, 4, undefined, 1).paired).toBeUndefined();
  });

  test('when llama-server itself stays under 2×, 0.9× its own scaling becomes the scaling goal', () => {
    const server = run('parallel', [{ 1: level(1, [20]), 4: level(4, [8, 8, 8, 8]) }]);
    const llama = run('llama', [{ 1: level(1, [20]), 4: level(4, [9, 9, 9, 9]) }]);
    const results = { setup: { levels: [1, 4], parallel: 4 }, runs: [server, llama] } as unknown as ParallelResults;
    const [scaling, versusLlama] = parallelRatios(results);
    expect(scaling.paired?.median).toBeCloseTo(1.6);
    expect(scaling.goal).toBe(1.62);
    expect(versusLlama.paired?.median).toBeCloseTo(32 / 36);
    expect(versusLlama.goal).toBe(0.9);
  });

  test('options: levels cannot exceed the sequences, and unknown flags are refused', () => {
    expect(parseParallelBenchOptions(['--levels', '1,2', '--parallel', '2'], '/repo')).toMatchObject({ levels: [1, 2], parallel: 2 });
    expect(() => parseParallelBenchOptions(['--levels', '1,8'], '/repo')).toThrow(/may not exceed --parallel/);
    expect(() => parseParallelBenchOptions(['--fast'], '/repo')).toThrow(/unknown option --fast/);
  });
});
