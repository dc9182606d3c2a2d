import http from 'node:http';
import { postStreamed, StreamedResult } from './http-client';
import { decodeRate } from './measurements';
import { benchmarkPrompt } from './prompts';

/** One stream among several sent at once. Times in ms from when the streams were sent. */
export interface StreamSample {
  readonly completionTokens: number;
  readonly ttftMs: number;
  /** This stream's decode speed: the tokens after its first over the time after its first. */
  readonly decodeTokensPerSecond: number;
  readonly firstTokenAtMs: number;
  readonly lastTokenAtMs: number;
  /** The longest wait between two of its text events after the first. */
  readonly maxGapMs: number;
  readonly finishReason?: string;
}

/** `streams` requests sent together to one server. */
export interface ConcurrentSample {
  readonly streams: number;
  readonly samples: StreamSample[];
  /** The streams' decode speeds added up: tokens per second while all of them decode. */
  readonly aggregateDecodeTokensPerSecond: number;
  /** Every generated token over the time from sending to the last token (prompt evaluation included). */
  readonly endToEndTokensPerSecond: number;
}

const COMPLETIONS = '/v1/completions';

/** Greedy, so every arm produces its tokens the same way; usage asked for, so both servers count tokens alike. */
export function completionBody(prompt: string, tokens: number): Record<string, unknown> {
  return { prompt, max_tokens: tokens, temperature: 0, stream: true, stream_options: { include_usage: true } };
}

function tokensOf(result: StreamedResult): number {
  return result.usage?.completion_tokens ?? result.predictedTokens ?? result.textEvents;
}

function maxGap(times: readonly number[]): number {
  let gap = 0;
  for (let i = 1; i < times.length; i++) gap = Math.max(gap, times[i] - times[i - 1]);
  return gap;
}

function streamSample(result: StreamedResult, sentAtMs: number): StreamSample {
  const completionTokens = tokensOf(result);
  return {
    completionTokens,
    ttftMs: result.ttftMs,
    decodeTokensPerSecond: decodeRate(completionTokens, result.lastTextMs - result.ttftMs),
    firstTokenAtMs: sentAtMs + result.ttftMs,
    lastTokenAtMs: sentAtMs + result.lastTextMs,
    maxGapMs: maxGap(result.textEventMs),
    finishReason: result.finishReason,
  };
}

/** A connection per stream: the default agent would send them one after another. */
function streamAgent(streams: number): http.Agent {
  return new http.Agent({ keepAlive: false, maxSockets: streams });
}

/** Sends `streams` completions at once, each with a prompt no other request of the run shares. */
export async function runConcurrent(port: number, streams: number, tokens: number, firstPrompt: number): Promise<ConcurrentSample> {
  const agent = streamAgent(streams);
  try {
    const results = await Promise.all(Array.from({ length: streams }, (_, index) =>
      postStreamed(port, COMPLETIONS, completionBody(benchmarkPrompt(firstPrompt + index), tokens), agent)));
    for (const result of results) {
      if (result.status !== 200) throw new Error(`a stream answered ${result.status}`);
    }
    const samples = results.map((result) => streamSample(result, 0));
    const generated = samples.reduce((sum, sample) => sum + sample.completionTokens, 0);
    const lastAt = Math.max(...samples.map((sample) => sample.lastTokenAtMs));
    return {
      streams,
      samples,
      aggregateDecodeTokensPerSecond: samples.reduce((sum, sample) => sum + sample.decodeTokensPerSecond, 0),
      endToEndTokensPerSecond: lastAt > 0 ? (generated * 1000) / lastAt : NaN,
    };
  } finally {
    agent.destroy();
  }
}

/** A request that arrives while others decode: how long it waits for its first token, and what it costs them. */
export interface JoinSample {
  readonly running: number;
  readonly joinerTtftMs: number;
  readonly joinerDecodeTokensPerSecond: number;
  /** The longest wait between two tokens of a running stream while the new prompt was evaluated. */
  readonly runningMaxGapMs: number;
  /** The running streams' usual wait between tokens before the new request came. */
  readonly runningMedianGapMs: number;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)];
}

/**
 * Starts `running` long streams, lets each produce `warmTokens` tokens, then sends one more request and
 * measures its time to first token and the gap it causes in the running streams (no starvation either way).
 */
export async function runJoin(port: number, running: number, tokens: number, firstPrompt: number, warmTokens = 8): Promise<JoinSample> {
  const agent = streamAgent(running + 1);
  try {
    let ready = 0;
    let allReady!: () => void;
    const steady = new Promise<void>((resolve) => { allReady = resolve; });
    const started = performance.now();
    const long = Array.from({ length: running }, (_, index) =>
      postStreamed(port, COMPLETIONS, completionBody(benchmarkPrompt(firstPrompt + index), tokens * 4), agent, (event) => {
        if (event === warmTokens - 1 && ++ready === running) allReady();
      }));
    await steady;
    const joinAt = performance.now() - started;
    const joiner = await postStreamed(port, COMPLETIONS, completionBody(benchmarkPrompt(firstPrompt + running), tokens), agent);
    const joinerFirstAt = joinAt + joiner.ttftMs;
    const results = await Promise.all(long);
    const gapsDuring: number[] = [];
    const gapsBefore: number[] = [];
    for (const result of results) {
      const times = result.textEventMs;
      for (let i = 1; i < times.length; i++) {
        const gap = times[i] - times[i - 1];
        if (times[i] <= joinAt) gapsBefore.push(gap);
        else if (times[i - 1] <= joinerFirstAt) gapsDuring.push(gap);
      }
    }
    return {
      running,
      joinerTtftMs: joiner.ttftMs,
      joinerDecodeTokensPerSecond: decodeRate(tokensOf(joiner), joiner.lastTextMs - joiner.ttftMs),
      runningMaxGapMs: gapsDuring.length > 0 ? Math.max(...gapsDuring) : NaN,
      runningMedianGapMs: median(gapsBefore),
    };
  } finally {
    agent.destroy();
  }
}

/**
 * Whether a seeded, sampled answer comes out the same three times: alone, alone again (its prompt now cached,
 * so only its last token is evaluated again), and while other streams share its batch.
 */
export interface SeedSample {
  readonly aloneText: string;
  readonly againText: string;
  readonly sharedText: string;
  /** Characters the answer alone shares with the other two, from their start. */
  readonly againCommonChars: number;
  readonly sharedCommonChars: number;
  /**
   * Characters the shared answer shares with the answer alone again: both start from the cached prompt (only its
   * last token evaluated again), so they differ only in the company in the batch.
   */
  readonly sharedVsAgainCommonChars: number;
}

function commonPrefix(a: string, b: string): number {
  let common = 0;
  while (common < a.length && a[common] === b[common]) common++;
  return common;
}

export async function runSeedCheck(port: number, others: number, tokens: number, firstPrompt: number, seed: number,
  temperature: number): Promise<SeedSample> {
  const body = { ...completionBody(benchmarkPrompt(firstPrompt), tokens), temperature, seed };
  const agent = streamAgent(others + 1);
  try {
    const alone = await postStreamed(port, COMPLETIONS, body, agent);
    const again = await postStreamed(port, COMPLETIONS, body, agent);
    const [shared] = await Promise.all([
      postStreamed(port, COMPLETIONS, body, agent),
      ...Array.from({ length: others }, (_, index) =>
        postStreamed(port, COMPLETIONS, completionBody(benchmarkPrompt(firstPrompt + 1 + index), tokens), agent)),
    ]);
    return {
      aloneText: alone.text,
      againText: again.text,
      sharedText: shared.text,
      againCommonChars: commonPrefix(alone.text, again.text),
      sharedCommonChars: commonPrefix(alone.text, shared.text),
      sharedVsAgainCommonChars: commonPrefix(again.text, shared.text),
    };
  } finally {
    agent.destroy();
  }
}
