import { log } from './log.js';

/** What one request did; becomes one log line (with EMF metrics when a generation ran). */
export interface RequestRecord {
  requestId: string;
  route: string;
  method: string;
  status: number;
  coldStart: boolean;
  /** The first request after a SnapStart restore (which is not a cold start). */
  restored: boolean;
  durationMs: number;
  errorCode?: string;
  generation?: GenerationRecord;
  embedding?: EmbeddingRecord;
  /** Only when LLM_LOG_PROMPTS=true. */
  prompt?: unknown;
  response?: string;
  reasoning?: string;
}

export interface GenerationRecord {
  promptTokens: number;
  /** Prompt tokens evaluated for this request (the rest were reused from the request before). */
  promptTokensEvaluated: number;
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
  /** From the first generated token to the last: the decode phase, without the prompt's evaluation. */
  decodeMs?: number;
  /** Context sequences generating when this one started (itself included): how many shared each decode step. */
  sequencesInUse?: number;
  /** Which context sequence it ran on (0 to LLM_PARALLEL - 1). */
  sequenceId?: number;
}

/** What a /v1/embeddings request evaluated. */
export interface EmbeddingRecord {
  inputs: number;
  /** Inputs evaluated (fewer than `inputs` when a disconnect, the deadline or a shutdown cut the run). */
  embedded: number;
  /** Tokens evaluated, BOS/EOS included (usage.prompt_tokens). */
  tokens: number;
  /** Inputs cut to fit the context (truncation opted into). */
  truncated: number;
  dimensions: number;
  encodingFormat: string;
  /** What cut the run, if anything: disconnect, deadline, time_limit, shutdown. */
  stoppedBy?: string;
  queueMs: number;
  /** From the moment the request got the model to the last vector. */
  embeddingMs: number;
}

const EMBEDDING_METRICS = [
  { Name: 'EmbeddingInputs', Unit: 'Count' },
  { Name: 'EmbeddingTokens', Unit: 'Count' },
  { Name: 'EmbeddingsPerSecond', Unit: 'Count/Second' },
  { Name: 'EmbeddingDuration', Unit: 'Milliseconds' },
] as const;

const METRICS = [
  { Name: 'TimeToFirstToken', Unit: 'Milliseconds' },
  { Name: 'TokensPerSecond', Unit: 'Count/Second' },
  { Name: 'CompletionTokens', Unit: 'Count' },
  { Name: 'PromptTokens', Unit: 'Count' },
  { Name: 'GenerationDuration', Unit: 'Milliseconds' },
  { Name: 'SequencesInUse', Unit: 'Count' },
] as const;

const round = (value: number, digits = 1): number => Number(value.toFixed(digits));

/**
 * Writes the request's line. Generations carry a CloudWatch Embedded Metric Format directive, so Lambda's
 * log ingestion turns them into metrics with no agent and no API call.
 */
export function logRequest(record: RequestRecord, namespace: string, functionName: string): void {
  const { generation, embedding, ...rest } = record;
  const base = {
    event: 'request',
    ...rest,
    durationMs: round(record.durationMs),
  };
  if (embedding !== undefined) {
    logEmbedding(base, embedding, namespace, functionName);
    return;
  }
  if (generation === undefined) {
    log(base);
    return;
  }
  const generationMs = round(generation.generationMs);
  // Decode speed, as llama.cpp reports it: the tokens after the first over the time after the first, so a long
  // prompt's evaluation (already in TimeToFirstToken) does not drag it down.
  const decodeSeconds = (generation.decodeMs ?? 0) / 1000;
  const tokensPerSecond = generation.completionTokens > 1 && decodeSeconds > 0
    ? round((generation.completionTokens - 1) / decodeSeconds, 2) : undefined;
  const metrics: Record<string, number> = {
    CompletionTokens: generation.completionTokens,
    PromptTokens: generation.promptTokens,
    GenerationDuration: generationMs,
  };
  if (tokensPerSecond !== undefined) metrics.TokensPerSecond = tokensPerSecond;
  if (generation.timeToFirstTokenMs !== undefined) metrics.TimeToFirstToken = round(generation.timeToFirstTokenMs);
  if (generation.sequencesInUse !== undefined) metrics.SequencesInUse = generation.sequencesInUse;
  // A metric without a value in this line must not be declared (EMF would reject the line).
  const directiveMetrics = METRICS.filter((metric) => metrics[metric.Name] !== undefined);
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
    decodeMs: generation.decodeMs === undefined ? undefined : round(generation.decodeMs),
    reasoningTokens: generation.reasoningTokens,
    promptTokensEvaluated: generation.promptTokensEvaluated,
    sequenceId: generation.sequenceId,
  });
}

/** An embeddings request's line: inputs and tokens per request and embeddings per second as EMF metrics. */
function logEmbedding(base: Record<string, unknown>, embedding: EmbeddingRecord, namespace: string, functionName: string): void {
  const seconds = embedding.embeddingMs / 1000;
  const metrics: Record<string, number> = {
    EmbeddingInputs: embedding.inputs,
    EmbeddingTokens: embedding.tokens,
    EmbeddingDuration: round(embedding.embeddingMs),
  };
  if (embedding.embedded > 0 && seconds > 0) metrics.EmbeddingsPerSecond = round(embedding.embedded / seconds, 2);
  log({
    _aws: {
      Timestamp: Date.now(),
      CloudWatchMetrics: [{
        Namespace: namespace,
        Dimensions: [['FunctionName']],
        Metrics: EMBEDDING_METRICS.filter((metric) => metrics[metric.Name] !== undefined),
      }],
    },
    FunctionName: functionName,
    ...metrics,
    ...base,
    embedded: embedding.embedded,
    truncated: embedding.truncated,
    dimensions: embedding.dimensions,
    encodingFormat: embedding.encodingFormat,
    stoppedBy: embedding.stoppedBy,
    queueMs: round(embedding.queueMs),
  });
}
