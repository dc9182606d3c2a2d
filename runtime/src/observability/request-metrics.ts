import { log } from './log.js';

/** What one request did; becomes one log line (with EMF metrics when a generation ran). */
export interface RequestRecord {
  requestId: string;
  route: string;
  method: string;
  status: number;
  coldStart: boolean;
  durationMs: number;
  errorCode?: string;
  generation?: GenerationRecord;
  /** Only when LLM_LOG_PROMPTS=true. */
  prompt?: unknown;
  response?: string;
  reasoning?: string;
}

export interface GenerationRecord {
  promptTokens: number;
  completionTokens: number;
  reasoningTokens: number;
  finishReason: string;
  /** Why the generation ended: eos, stop, max_tokens, deadline, time_limit, disconnect, shutdown, error. */
  stoppedBy: string;
  stream: boolean;
  queueMs: number;
  /** From the request's arrival to the first generated token (queue and prompt evaluation included). */
  timeToFirstTokenMs?: number;
  /** From the moment the request got the model to the last token. */
  generationMs: number;
}

const METRICS = [
  { Name: 'TimeToFirstToken', Unit: 'Milliseconds' },
  { Name: 'TokensPerSecond', Unit: 'Count/Second' },
  { Name: 'CompletionTokens', Unit: 'Count' },
  { Name: 'PromptTokens', Unit: 'Count' },
  { Name: 'GenerationDuration', Unit: 'Milliseconds' },
] as const;

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/**
 * Writes the request's line. Generations carry a CloudWatch Embedded Metric Format directive, so Lambda's
 * log ingestion turns them into metrics with no agent and no API call.
 */
export function logRequest(record: RequestRecord, namespace: string, functionName: string): void {
  const { generation, ...rest } = record;
  const base = {
    event: 'request',
    ...rest,
    durationMs: round(record.durationMs),
  };
  if (generation === undefined) {
    log(base);
    return;
  }
  // Derived from the logged duration, so the line stays self-consistent.
  const generationMs = round(generation.generationMs);
  const tokensPerSecond = generationMs > 0 ? generation.completionTokens / (generationMs / 1000) : 0;
  const metrics: Record<string, number> = {
    CompletionTokens: generation.completionTokens,
    PromptTokens: generation.promptTokens,
    GenerationDuration: generationMs,
    TokensPerSecond: round(tokensPerSecond, 2),
  };
  const directiveMetrics = METRICS.filter((metric) => metric.Name !== 'TimeToFirstToken' || generation.timeToFirstTokenMs !== undefined);
  if (generation.timeToFirstTokenMs !== undefined) metrics.TimeToFirstToken = round(generation.timeToFirstTokenMs);
  log({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{ Namespace: namespace, Dimensions: [['FunctionName']], Metrics: directiveMetrics }],
    },
    FunctionName: functionName,
    ...metrics,
    ...base,
    finishReason: generation.finishReason,
    stoppedBy: generation.stoppedBy,
    stream: generation.stream,
    queueMs: round(generation.queueMs),
    reasoningTokens: generation.reasoningTokens,
  });
}
