import { embeddingList, encodeEmbedding, unitVector } from '../api/embeddings-format.js';
import { parseEmbeddingsRequest } from '../api/embeddings-request.js';
import type { EmbeddingEngine, EmbeddingOutcome } from '../engine/embedding-engine.js';
import type { Release } from '../engine/generation-gate.js';
import { ApiError, internalError, invalidRequest, notReady, queueFull } from '../http/api-error.js';
import { readJsonBody } from '../http/read-json-body.js';
import { sendError, sendJson } from '../http/respond.js';
import { errorFields, log } from '../observability/log.js';
import { prepareInputs } from './embedding-inputs.js';
import { GenerationStops } from './generation-stops.js';
import type { RequestScope } from './request-scope.js';

function embeddingsOff(modelId: string): ApiError {
  return invalidRequest(`'${modelId}' is a generation model and this server does not embed with it; ` +
    'start it with LLM_EMBEDDINGS=true (construct prop embeddings: true), or serve an embedding model.', 'model', 'model_not_supported');
}

/** A run cut by the invocation deadline or the time cap: a partial list of vectors is of no use to anyone. */
function cutShort(cause: 'deadline' | 'time_limit', completed: number, total: number): ApiError {
  const what = cause === 'deadline' ? 'The invocation deadline came' : 'The time limit per request (LLM_MAX_GENERATION_SECONDS) ran out';
  return new ApiError(504, `${what} after ${completed} of ${total} inputs were embedded; send fewer inputs per request.`,
    'server_error', cause === 'deadline' ? 'deadline_exceeded' : 'time_limit_exceeded');
}

function checkDimensions(engine: EmbeddingEngine, dimensions: number | undefined): number {
  if (dimensions === undefined) return engine.dimensions;
  if (dimensions > engine.dimensions) {
    throw invalidRequest(`'dimensions' is ${dimensions}, but this model's embeddings have ${engine.dimensions} dimensions; ask for ${engine.dimensions} or fewer.`, 'dimensions');
  }
  return dimensions;
}

/**
 * POST /v1/embeddings: OpenAI's embeddings. Inputs are checked and tokenized before the request waits its turn;
 * then it holds the model like a generation (same queue, deadline, time cap, disconnect and shutdown, checked
 * between inputs). Vectors are unit length, cut to `dimensions` first when asked.
 */
export async function embeddings(scope: RequestScope): Promise<void> {
  const request = parseEmbeddingsRequest(await readJsonBody(scope.req, scope.app.config.maxBodyBytes));
  const { app } = scope;
  if (app.state !== 'ready') throw notReady(app.state);
  const engine = app.embeddings;
  if (engine === undefined) throw embeddingsOff(app.modelId!);
  const dimensions = checkDimensions(engine, request.dimensions);

  const stops = new GenerationStops(scope);
  let release: Release | undefined;
  try {
    if (app.gate.isFull) throw queueFull(app.gate.retryAfterSeconds());
    const prepared = prepareInputs(engine, request.inputs, request.truncate ?? app.config.embeddingsTruncate);
    if (app.config.logPrompts) scope.loggedPrompt = request.inputs.map((input) => ('text' in input ? input.text : input.tokens));

    const admission = app.gate.enter(stops.signal);
    if (admission === undefined) throw queueFull(app.gate.retryAfterSeconds());
    const queuedAt = performance.now();
    release = await admission.catch(() => undefined);
    if (release === undefined && stops.cause === 'shutdown') throw notReady('stopping');
    const startedAt = performance.now();
    stops.startTimeLimit();

    let outcome: EmbeddingOutcome = { vectors: [], completed: 0 };
    if (release !== undefined) {
      ({ coldStart: scope.coldStart, restored: scope.restored } = app.takeStart());
      try {
        outcome = await engine.embed(prepared.tokens, stops.signal);
      } catch (error) {
        log({ level: 'error', event: 'embedding_failed', requestId: scope.invocation.requestId, ...errorFields(error) });
        scope.status = 500;
        scope.errorCode = 'internal_error';
        sendError(scope.res, internalError());
        return;
      }
    }
    const cause = stops.cause;
    scope.embedding = {
      inputs: prepared.tokens.length,
      embedded: outcome.completed,
      tokens: prepared.promptTokens,
      truncated: prepared.truncated,
      dimensions,
      encodingFormat: request.encodingFormat,
      stoppedBy: cause,
      queueMs: startedAt - queuedAt,
      embeddingMs: performance.now() - startedAt,
    };
    if (cause === 'disconnect') {
      scope.status = 499;
      return;
    }
    if (cause === 'shutdown') throw notReady('stopping');
    if (cause !== undefined) throw cutShort(cause, outcome.completed, prepared.tokens.length);

    const vectors = outcome.vectors.map((raw) => encodeEmbedding(unitVector(raw, dimensions), request.encodingFormat));
    scope.status = 200;
    sendJson(scope.res, 200, embeddingList(app.modelId!, vectors, prepared.promptTokens));
  } finally {
    release?.(stops.cause === undefined);
    stops.dispose();
  }
}
