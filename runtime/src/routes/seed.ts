import { parseSeedRequest } from '../api/generation-request.js';
import { usage } from '../api/openai-format.js';
import { readJsonBody } from '../http/read-json-body.js';
import { sendError, sendJson } from '../http/respond.js';
import { SseStream } from '../http/sse.js';
import { runGeneration, type Responder } from './generation.js';
import type { RequestScope } from './request-scope.js';

/**
 * POST /: the original project's contract, {"prompt"} -> {"response"}, plus "reasoning" when the model
 * reasons. Streaming sends SSE events {"reasoning": delta} / {"response": delta}, then one
 * {"finish_reason", "usage"} event and `data: [DONE]`.
 */
export async function seed(scope: RequestScope): Promise<void> {
  const request = parseSeedRequest(await readJsonBody(scope.req, scope.app.config.maxBodyBytes));
  const summary = (result: Parameters<Responder['finish']>[0]) => ({
    finish_reason: result.finishReason,
    usage: usage(result.promptTokens, result.completionTokens, result.reasoningTokens),
  });

  if (!request.stream) {
    await runGeneration(scope, request, {
      delta: () => undefined,
      finish: (result) => sendJson(scope.res, 200, {
        response: result.content,
        ...(result.reasoning !== undefined ? { reasoning: result.reasoning } : {}),
        ...summary(result),
      }),
      fail: (error) => sendError(scope.res, error),
    });
    return;
  }

  const sse = new SseStream(scope.res);
  await runGeneration(scope, request, {
    delta: (delta) => sse.send(delta.kind === 'reasoning' ? { reasoning: delta.text } : { response: delta.text }),
    finish: (result) => {
      sse.send(summary(result));
      sse.done();
    },
    fail: (error) => sse.fail(error),
  });
}
