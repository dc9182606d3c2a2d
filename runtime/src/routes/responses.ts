import { itemId, unixSeconds } from '../api/openai-format.js';
import type { ResponseIdentity } from '../api/responses-format.js';
import { parseResponsesRequest } from '../api/responses-request.js';
import { ResponsesStreamWriter, type ResponsesEvent } from '../api/responses-stream.js';
import { readJsonBody } from '../http/read-json-body.js';
import { sendError, sendJson } from '../http/respond.js';
import { SseStream } from '../http/sse.js';
import { runGeneration, type FinishedGeneration, type Responder } from './generation.js';
import type { RequestScope } from './request-scope.js';

/**
 * POST /v1/responses: OpenAI's Responses API over the same generation run as chat completions (queue, limits,
 * disconnect, deadline, logs). Stateless: `store` is echoed as false and nothing can be continued by id.
 * Buffered, the finished generation is replayed through the same writer the stream uses, so both give the same
 * output items.
 */
export async function responses(scope: RequestScope): Promise<void> {
  const { generation, echo } = parseResponsesRequest(await readJsonBody(scope.req, scope.app.config.maxBodyBytes));
  const identity: ResponseIdentity = { id: itemId('resp'), createdAt: unixSeconds(), model: scope.app.modelId! };

  if (!generation.stream) {
    let final: ResponsesEvent | undefined;
    const writer = new ResponsesStreamWriter(identity, echo, (event) => {
      final = event;
    });
    await runGeneration(scope, generation, {
      delta: () => undefined,
      finish: (result) => {
        replay(writer, result);
        sendJson(scope.res, 200, final!.response);
      },
      fail: (error) => sendError(scope.res, error),
    });
    return;
  }

  const sse = new SseStream(scope.res);
  const writer = new ResponsesStreamWriter(identity, echo, (event) => sse.sendEvent(event.type, event));
  const responder: Responder = {
    delta: (delta) => (delta.kind === 'reasoning' ? writer.reasoning(delta.text) : writer.content(delta.text)),
    toolCall: (piece) => writer.call({ callId: piece.id, name: piece.name, arguments: piece.arguments }),
    finish: (result) => {
      writer.finish(result);
      sse.end();
    },
    // Before the first event the failure is an ordinary HTTP error, after it an `error` event and `response.failed`.
    fail: (error) => {
      if (!writer.isStarted) {
        sendError(scope.res, error);
        return;
      }
      writer.fail(error);
      sse.end();
    },
  };
  await runGeneration(scope, generation, responder);
}

/** A finished generation, written as if it had streamed: reasoning, answer, then each call. */
function replay(writer: ResponsesStreamWriter, result: FinishedGeneration): void {
  if (result.reasoning !== undefined && result.reasoning !== '') writer.reasoning(result.reasoning);
  if (result.content !== '') writer.content(result.content);
  for (const call of result.toolCalls) {
    writer.call({ callId: call.id, name: call.function.name, arguments: call.function.arguments });
  }
  writer.finish(result);
}
