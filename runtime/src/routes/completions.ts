import { parseCompletionRequest } from '../api/generation-request.js';
import { responseId, textCompletion, textUsageChunk, unixSeconds, usage, type Envelope } from '../api/openai-format.js';
import { readJsonBody } from '../http/read-json-body.js';
import { sendError, sendJson } from '../http/respond.js';
import { SseStream } from '../http/sse.js';
import { runGeneration, type Responder } from './generation.js';
import type { RequestScope } from './request-scope.js';

/** POST /v1/completions: OpenAI's legacy text completions (raw text, no chat template). */
export async function completions(scope: RequestScope): Promise<void> {
  const request = parseCompletionRequest(await readJsonBody(scope.req, scope.app.config.maxBodyBytes));
  const envelope: Envelope = { id: responseId('cmpl'), created: unixSeconds(), model: scope.app.modelId! };

  if (!request.stream) {
    await runGeneration(scope, request, {
      delta: () => undefined,
      finish: (result) => sendJson(scope.res, 200,
        textCompletion(envelope, result.content, result.finishReason, usage(result.promptTokens, result.completionTokens))),
      fail: (error) => sendError(scope.res, error),
    });
    return;
  }

  const sse = new SseStream(scope.res);
  const usageField = request.includeUsage ? null : undefined;
  const responder: Responder = {
    delta: (delta) => sse.send(textCompletion(envelope, delta.text, null, usageField)),
    finish: (result) => {
      sse.send(textCompletion(envelope, '', result.finishReason, usageField));
      if (request.includeUsage) sse.send(textUsageChunk(envelope, usage(result.promptTokens, result.completionTokens)));
      sse.done();
    },
    fail: (error) => sse.fail(error),
  };
  await runGeneration(scope, request, responder);
}
