import type { StreamedResult } from './http-client';
import { ProcessMemory } from './proc-status';

/** One generation, reduced to the numbers the report compares. Times in ms, speeds in tokens/s. */
export interface GenerationSample {
  readonly round: number;
  readonly promptTokens: number;
  readonly completionTokens: number;
  /** Request (or call) start to the first generated token / first text event. */
  readonly ttftMs: number;
  readonly promptTokensPerSecond: number;
  readonly decodeTokensPerSecond: number;
  /** Request (or call) start to the last byte. */
  readonly totalMs: number;
  /** The server's own TimeToFirstToken / TokensPerSecond from its metrics log line, when there is one. */
  readonly serverReportedTtftMs?: number;
  readonly serverReportedTokensPerSecond?: number;
  readonly finishReason?: string;
}

export function decodeRate(completionTokens: number, decodeMs: number): number {
  return completionTokens > 1 && decodeMs > 0 ? ((completionTokens - 1) * 1000) / decodeMs : NaN;
}

export function promptRate(promptTokens: number, ttftMs: number): number {
  return ttftMs > 0 ? (promptTokens * 1000) / ttftMs : NaN;
}

/** The server's own numbers for a request, from its metrics log line. */
export interface ServerReported {
  readonly TimeToFirstToken?: number;
  readonly TokensPerSecond?: number;
  readonly CompletionTokens?: number;
  readonly PromptTokens?: number;
}

/** A streamed server request as a sample: timings seen at the client, token counts from usage (or the log). */
export function streamedSample(round: number, result: StreamedResult, reported?: ServerReported): GenerationSample {
  const completionTokens = result.usage?.completion_tokens ?? reported?.CompletionTokens ?? NaN;
  const promptTokens = result.usage?.prompt_tokens ?? reported?.PromptTokens ?? NaN;
  return {
    round,
    promptTokens,
    completionTokens,
    ttftMs: result.ttftMs,
    totalMs: result.totalMs,
    promptTokensPerSecond: promptRate(promptTokens, result.ttftMs),
    decodeTokensPerSecond: decodeRate(completionTokens, result.lastTextMs - result.ttftMs),
    serverReportedTtftMs: reported?.TimeToFirstToken,
    serverReportedTokensPerSecond: reported?.TokensPerSecond,
    finishReason: result.finishReason,
  };
}

export interface ProcessSample {
  readonly round: number;
  /** spawn() to ready: the raw script's "ready" line, or the server's first /health 200. */
  readonly readyMs: number;
  readonly memory: ProcessMemory | undefined;
  /** Start-up phases: name -> ms after the process started (raw: its own clock; server: log line arrival). */
  readonly phases: Record<string, number>;
}
