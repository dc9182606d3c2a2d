import type { LlamaGrammar } from 'node-llama-cpp';
import type { AbortCause } from '../app.js';
import type { GenerationRequest, ResponseFormat } from '../api/generation-request.js';
import type { FinishReason } from '../api/openai-format.js';
import type { Engine } from '../engine/engine.js';
import type { Delta, GenerationOutcome, GenerationSettings } from '../engine/types.js';
import { ApiError, internalError, invalidRequest, queueFull } from '../http/api-error.js';
import { errorFields, log } from '../observability/log.js';
import type { RequestScope } from './request-scope.js';

/** The generation as the client gets it once it is over. */
export interface FinishedGeneration {
  readonly content: string;
  /** Undefined when the model did not reason or the request asked to leave reasoning out. */
  readonly reasoning?: string;
  readonly finishReason: FinishReason;
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
}

/** How one route writes a generation: piece by piece (streaming) or all at the end. */
export interface Responder {
  delta(delta: Delta): void;
  finish(result: FinishedGeneration): void;
  /** The model failed: an error body, or an error event when a stream is already open. */
  fail(error: ApiError): void;
}

function contextLengthExceeded(contextSize: number, promptTokens: number, param: string): ApiError {
  return new ApiError(400,
    `This model's maximum context length is ${contextSize} tokens. However, your ${param} resulted in ${promptTokens} tokens ` +
    '(one more token is needed for the answer). Please reduce the length of the input.',
    'invalid_request_error', 'context_length_exceeded', param);
}

async function grammarFor(engine: Engine, format: ResponseFormat): Promise<LlamaGrammar | undefined> {
  if (format.type === 'text') return undefined;
  if (format.type === 'json_object') return engine.jsonGrammar();
  try {
    return await engine.jsonSchemaGrammar(format.schema);
  } catch (error) {
    throw invalidRequest(`'response_format.json_schema.schema' cannot be enforced: ${(error as Error).message}`,
      'response_format.json_schema.schema', 'invalid_json_schema');
  }
}

/** The prompt rendered and counted, and how to generate from it. */
function prepare(engine: Engine, request: GenerationRequest): {
  promptTokens: number;
  generate: (settings: GenerationSettings) => Promise<GenerationOutcome>;
} {
  if (request.messages !== undefined) {
    const chat = engine.prepareChat(request.messages);
    return { promptTokens: chat.promptTokens, generate: (settings) => engine.generateChat(chat, settings) };
  }
  const text = engine.prepareText(request.prompt!);
  return { promptTokens: text.promptTokens, generate: (settings) => engine.generateText(text, settings) };
}

const FINISH_BY_STOP: Readonly<Record<GenerationOutcome['stop'], FinishReason>> = {
  eos: 'stop', stop: 'stop', max_tokens: 'length', aborted: 'length',
};

/**
 * Runs one generation for a validated request: counts the prompt against the context, waits its turn at
 * the gate (or gets 429), stops on disconnect, deadline, time cap or shutdown, and records what happened
 * for the request's log line. The responder decides how the client sees it.
 */
export async function runGeneration(scope: RequestScope, request: GenerationRequest, responder: Responder): Promise<void> {
  const { app, invocation } = scope;
  const engine = app.engine!;
  const { config } = app;

  const prepared = prepare(engine, request);
  const room = engine.roomAfter(prepared.promptTokens);
  if (room < 1) throw contextLengthExceeded(engine.contextSize, prepared.promptTokens, request.promptParam);
  const maxTokens = Math.min(request.requestedMaxTokens ?? config.maxTokens, config.maxTokens, room);
  const grammar = await grammarFor(engine, request.responseFormat);
  if (config.logPrompts) scope.loggedPrompt = request.messages ?? request.prompt;

  const controller = new AbortController();
  let cause: AbortCause | undefined;
  const abort = (why: AbortCause): void => {
    if (controller.signal.aborted) return;
    cause = why;
    controller.abort(new Error(`generation stopped: ${why}`));
  };
  const timers: NodeJS.Timeout[] = [];
  const onClose = (): void => {
    if (!scope.res.writableFinished) abort('disconnect');
  };
  scope.res.on('close', onClose);
  if (invocation.deadlineEpochMs !== undefined) {
    const budgetMs = invocation.deadlineEpochMs - config.deadlineMarginMs - Date.now();
    if (budgetMs <= 0) abort('deadline');
    else timers.push(setTimeout(() => abort('deadline'), budgetMs));
  }
  app.running.add(controller);

  let release: (() => void) | undefined;
  try {
    const admission = app.gate.enter(controller.signal);
    if (admission === undefined) throw queueFull(app.gate.retryAfterSeconds());
    const queuedAt = performance.now();
    try {
      release = await admission;
    } catch {
      // Left the line before its turn: nothing was generated.
    }
    const startedAt = performance.now();
    if (config.maxGenerationSeconds > 0) timers.push(setTimeout(() => abort('time_limit'), config.maxGenerationSeconds * 1000));

    let firstTokenAt: number | undefined;
    const onDelta = (delta: Delta): void => {
      firstTokenAt ??= performance.now();
      if (delta.kind === 'reasoning' && !request.includeReasoning) return;
      responder.delta(delta);
    };
    let outcome: GenerationOutcome;
    if (release === undefined) {
      outcome = { content: '', reasoning: '', completionTokens: 0, reasoningTokens: 0, stop: 'aborted' };
    } else {
      const settings = {
        maxTokens, stop: request.stop, sampling: request.sampling, grammar,
        maxReasoningTokens: request.maxReasoningTokens, signal: controller.signal, onDelta,
      };
      try {
        outcome = await prepared.generate(settings);
      } catch (error) {
        log({ level: 'error', event: 'generation_failed', requestId: invocation.requestId, ...errorFields(error) });
        scope.status = 500;
        scope.errorCode = 'internal_error';
        responder.fail(internalError());
        return;
      }
    }
    const endedAt = performance.now();
    const finishReason = FINISH_BY_STOP[outcome.stop];
    const stoppedBy = cause ?? outcome.stop;
    if (cause === 'deadline') {
      log({ level: 'warn', event: 'deadline_cut', requestId: invocation.requestId, completionTokens: outcome.completionTokens,
        message: `generation stopped ${config.deadlineMarginMs} ms before the Lambda deadline` });
    }
    scope.generation = {
      promptTokens: prepared.promptTokens,
      completionTokens: outcome.completionTokens,
      reasoningTokens: outcome.reasoningTokens,
      finishReason,
      stoppedBy,
      stream: request.stream,
      queueMs: startedAt - queuedAt,
      timeToFirstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - scope.arrivedAt,
      generationMs: endedAt - startedAt,
      decodeMs: firstTokenAt === undefined ? undefined : endedAt - firstTokenAt,
    };
    if (config.logPrompts) {
      scope.loggedResponse = outcome.content;
      scope.loggedReasoning = outcome.reasoning;
    }
    if (cause === 'disconnect') {
      // Nobody is listening any more; 499 is the conventional "client closed request" in logs.
      scope.status = 499;
      return;
    }
    scope.status = 200;
    responder.finish({
      content: outcome.content,
      reasoning: request.includeReasoning && outcome.reasoning !== '' ? outcome.reasoning : undefined,
      finishReason,
      promptTokens: prepared.promptTokens,
      completionTokens: outcome.completionTokens,
      reasoningTokens: outcome.reasoningTokens,
    });
  } finally {
    release?.();
    for (const timer of timers) clearTimeout(timer);
    scope.res.off('close', onClose);
    app.running.delete(controller);
  }
}
