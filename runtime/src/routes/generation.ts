import type { LlamaGrammar } from 'node-llama-cpp';
import type { GenerationRequest, ResponseFormat } from '../api/generation-request.js';
import { toolCallId, type FinishReason, type ToolCallObject } from '../api/openai-format.js';
import type { Engine, PreparedChat, PreparedText } from '../engine/engine.js';
import type { Release } from '../engine/generation-gate.js';
import type { SequenceLease } from '../engine/sequence-pool.js';
import type { Delta, GenerationOutcome, GenerationSettings, ToolCallDelta, ToolSettings } from '../engine/types.js';
import { ApiError, internalError, invalidRequest, notReady, queueFull } from '../http/api-error.js';
import { errorFields, log } from '../observability/log.js';
import { GenerationStops } from './generation-stops.js';
import type { RequestScope } from './request-scope.js';

/** The generation as the client gets it once it is over. */
export interface FinishedGeneration {
  readonly content: string;
  /** Undefined when the model did not reason or the request asked to leave reasoning out. */
  readonly reasoning?: string;
  readonly finishReason: FinishReason;
  /** Why it ended: eos, stop, max_tokens, tool_calls, context_full, or what cut it (deadline, time_limit, shutdown). */
  readonly stoppedBy: string;
  readonly promptTokens: number;
  /** Prompt tokens evaluated for this request; the rest were reused from the request before. */
  readonly promptTokensEvaluated: number;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  /** Chat requests with tools: the calls the model made (finishReason "tool_calls"). */
  readonly toolCalls: readonly ToolCallObject[];
}

/** One piece of a tool call for the client: the call's first piece carries its id and name. */
export interface ToolCallPiece extends ToolCallDelta {
  readonly id?: string;
}

/** How one route writes a generation: piece by piece (streaming) or all at the end. */
export interface Responder {
  delta(delta: Delta): void;
  /** Pieces of function calls (chat requests with tools); routes without tools leave it out. */
  toolCall?(piece: ToolCallPiece): void;
  finish(result: FinishedGeneration): void;
  /** The model failed: an error body, or an error event when a stream is already open. */
  fail(error: ApiError): void;
}

function contextLengthExceeded(contextSize: number, promptTokens: number | string, param: string): ApiError {
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

/** Token ids must exist in this model's vocabulary. */
function checkLogitBias(engine: Engine, request: GenerationRequest): void {
  const size = engine.vocabularySize;
  for (const token of request.sampling.logitBias?.keys() ?? []) {
    if (token >= size) {
      throw invalidRequest(`'logit_bias' names token ${token}, but this model's token ids go from 0 to ${size - 1}.`, `logit_bias.${token}`);
    }
  }
}

/**
 * The functions offered to the model after tool_choice, checked against what this model can do: its chat
 * wrapper needs a function-call syntax, and each parameter schema must become a grammar.
 */
async function toolSettings(engine: Engine, request: GenerationRequest): Promise<ToolSettings | undefined> {
  const tools = request.tools;
  if (tools === undefined || tools.choice === 'none') return undefined;
  if (!engine.supportsTools) {
    throw invalidRequest(`'tools' is not supported for this model: its chat wrapper (${engine.chatWrapperName}) has no function-call syntax.`,
      'tools', 'unsupported_parameter');
  }
  for (const [index, fn] of tools.functions.entries()) {
    if (fn.parameters === undefined) continue;
    try {
      await engine.jsonSchemaGrammar(fn.parameters);
    } catch (error) {
      const param = `tools[${index}].function.parameters`;
      throw invalidRequest(`'${param}' cannot be enforced: ${(error as Error).message}`, param, 'invalid_json_schema');
    }
  }
  const choice = tools.choice;
  const functions = typeof choice === 'object' ? tools.functions.filter((fn) => fn.name === choice.name) : tools.functions;
  return { functions, force: choice !== 'auto', parallel: tools.parallel };
}

/** The texts the prompt is made of, for the bounded length check before the queue. */
function promptTexts(request: GenerationRequest): string[] {
  if (request.messages === undefined) return [request.prompt!];
  return request.messages.flatMap((message) => [message.content, ...(message.toolCalls ?? []).map((call) => call.result)]);
}

/** The prompt rendered and counted, and how to generate from it on a leased sequence. */
function prepare(engine: Engine, request: GenerationRequest, tools: ToolSettings | undefined): {
  prompt: PreparedChat | PreparedText;
  generate: (settings: GenerationSettings, lease: SequenceLease) => Promise<GenerationOutcome>;
} {
  if (request.messages !== undefined) {
    const chat = engine.prepareChat(request.messages, tools?.functions);
    return { prompt: chat, generate: (settings, lease) => engine.generateChat(chat, settings, lease) };
  }
  const text = engine.prepareText(request.prompt!);
  return { prompt: text, generate: (settings, lease) => engine.generateText(text, settings, lease) };
}

const FINISH_BY_STOP: Readonly<Record<GenerationOutcome['stop'], FinishReason>> = {
  eos: 'stop', stop: 'stop', max_tokens: 'length', tool_calls: 'tool_calls', aborted: 'length', context_full: 'length',
};

/**
 * Runs one generation for a validated request. In order of cost: a full queue is a 429 before any work,
 * a prompt far beyond the context is refused from a bounded probe, then the request waits its turn and
 * only the admitted request renders and counts its prompt (so big prompts never stall a running stream).
 * Disconnects, the deadline, the time cap and shutdown are watched throughout; what happened is recorded
 * for the request's log line. The responder decides how the client sees it.
 */
export async function runGeneration(scope: RequestScope, request: GenerationRequest, responder: Responder): Promise<void> {
  const { app, invocation } = scope;
  const { config } = app;
  // The body may have been read while the server began shutting down: the model may be gone.
  if (app.state !== 'ready') throw notReady(app.state);
  const engine = app.engine;
  if (engine === undefined) {
    throw invalidRequest(`'${app.modelId}' is an embedding model: it answers POST /v1/embeddings only, not text generation.`, 'model', 'model_not_supported');
  }

  const stops = new GenerationStops(scope);
  let release: Release | undefined;
  try {
    if (app.gate.isFull) throw queueFull(app.gate.retryAfterSeconds());
    const atLeast = engine.promptCertainlyExceeds(promptTexts(request));
    if (atLeast !== undefined) throw contextLengthExceeded(engine.contextSize, `more than ${atLeast}`, request.promptParam);
    checkLogitBias(engine, request);
    const grammar = await grammarFor(engine, request.responseFormat);
    const tools = await toolSettings(engine, request);
    if (config.logPrompts) scope.loggedPrompt = request.messages ?? request.prompt;

    const admission = app.gate.enter(stops.signal);
    if (admission === undefined) throw queueFull(app.gate.retryAfterSeconds());
    const queuedAt = performance.now();
    try {
      release = await admission;
    } catch {
      // Left the line before its turn: nothing was generated.
    }
    // Shut down while waiting: another instance can answer, so say so in a way clients retry.
    if (release === undefined && stops.cause === 'shutdown') throw notReady('stopping');
    const startedAt = performance.now();
    stops.startTimeLimit();

    let promptTokens = 0;
    let outcome: GenerationOutcome;
    let firstTokenAt: number | undefined;
    let sequencesInUse: number | undefined;
    let sequenceId: number | undefined;
    const callIds: string[] = [];
    if (release === undefined) {
      outcome = { content: '', reasoning: '', completionTokens: 0, reasoningTokens: 0, stop: 'aborted', promptTokensEvaluated: 0, toolCalls: [] };
    } else {
      const prepared = prepare(engine, request, tools);
      promptTokens = prepared.prompt.promptTokens;
      const room = engine.roomAfter(promptTokens);
      if (room < 1) throw contextLengthExceeded(engine.contextSize, promptTokens, request.promptParam);
      ({ coldStart: scope.coldStart, restored: scope.restored } = app.takeStart());
      const onDelta = (delta: Delta): void => {
        firstTokenAt ??= performance.now();
        if (delta.kind === 'reasoning' && !request.includeReasoning) return;
        responder.delta(delta);
      };
      const onToolCall = (delta: ToolCallDelta): void => {
        firstTokenAt ??= performance.now();
        if (delta.name !== undefined) callIds[delta.index] = toolCallId();
        responder.toolCall?.({ ...delta, id: delta.name !== undefined ? callIds[delta.index] : undefined });
      };
      const settings = {
        maxTokens: Math.min(request.requestedMaxTokens ?? config.maxTokens, config.maxTokens, room),
        stop: request.stop, sampling: request.sampling, grammar,
        maxReasoningTokens: request.maxReasoningTokens, signal: stops.signal, onDelta, tools, onToolCall,
      };
      // Admitted, so a sequence is free: the one that already holds the longest part of this prompt.
      const lease = engine.leaseSequence(prepared.prompt);
      sequencesInUse = lease.inUse;
      sequenceId = lease.slot.id;
      try {
        outcome = await prepared.generate(settings, lease);
      } catch (error) {
        log({ level: 'error', event: 'generation_failed', requestId: invocation.requestId, ...errorFields(error) });
        scope.status = 500;
        scope.errorCode = 'internal_error';
        responder.fail(internalError());
        return;
      } finally {
        lease.release();
      }
    }
    const endedAt = performance.now();
    const cause = stops.cause;
    const finishReason = FINISH_BY_STOP[outcome.stop];
    if (cause === 'deadline') {
      log({ level: 'warn', event: 'deadline_cut', requestId: invocation.requestId, completionTokens: outcome.completionTokens,
        message: `generation stopped ${config.deadlineMarginMs} ms before the Lambda deadline` });
    }
    scope.generation = {
      promptTokens,
      promptTokensEvaluated: outcome.promptTokensEvaluated,
      completionTokens: outcome.completionTokens,
      reasoningTokens: outcome.reasoningTokens,
      finishReason,
      stoppedBy: cause ?? outcome.stop,
      stream: request.stream,
      queueMs: startedAt - queuedAt,
      timeToFirstTokenMs: firstTokenAt === undefined ? undefined : firstTokenAt - scope.arrivedAt,
      generationMs: endedAt - startedAt,
      decodeMs: firstTokenAt === undefined ? undefined : endedAt - firstTokenAt,
      sequencesInUse,
      sequenceId,
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
      stoppedBy: cause ?? outcome.stop,
      promptTokens,
      promptTokensEvaluated: outcome.promptTokensEvaluated,
      completionTokens: outcome.completionTokens,
      reasoningTokens: outcome.reasoningTokens,
      toolCalls: outcome.toolCalls.map((call, index) => ({
        id: callIds[index] ?? toolCallId(), type: 'function', function: { name: call.name, arguments: call.arguments },
      })),
    });
  } finally {
    release?.(stops.cause === undefined);
    stops.dispose();
  }
}
