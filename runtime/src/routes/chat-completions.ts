import { parseChatRequest } from '../api/generation-request.js';
import { chatChunk, chatCompletion, chatUsageChunk, responseId, unixSeconds, usage, type Envelope } from '../api/openai-format.js';
import { readJsonBody } from '../http/read-json-body.js';
import { sendError, sendJson } from '../http/respond.js';
import { SseStream } from '../http/sse.js';
import { runGeneration, type Responder } from './generation.js';
import type { RequestScope } from './request-scope.js';

/** POST /v1/chat/completions: OpenAI's chat completions, buffered or as SSE chunks. */
export async function chatCompletions(scope: RequestScope): Promise<void> {
  const request = parseChatRequest(await readJsonBody(scope.req, scope.app.config.maxBodyBytes));
  const envelope: Envelope = { id: responseId('chatcmpl'), created: unixSeconds(), model: scope.app.modelId! };

  if (!request.stream) {
    const responder: Responder = {
      delta: () => undefined,
      finish: (result) => sendJson(scope.res, 200, chatCompletion(envelope, result.content, result.reasoning, result.finishReason,
        usage(result.promptTokens, result.completionTokens, result.reasoningTokens), result.toolCalls)),
      fail: (error) => sendError(scope.res, error),
    };
    await runGeneration(scope, request, responder);
    return;
  }

  const sse = new SseStream(scope.res);
  const withUsage = request.includeUsage;
  // OpenAI's first chunk carries the role; it leaves with the first token, so errors before it stay plain JSON.
  const start = (): void => {
    if (!sse.isOpen) sse.send(chatChunk(envelope, { role: 'assistant', content: '' }, null, withUsage));
  };
  const responder: Responder = {
    delta: (delta) => {
      start();
      const field = delta.kind === 'reasoning' ? 'reasoning_content' : 'content';
      sse.send(chatChunk(envelope, { [field]: delta.text }, null, withUsage));
    },
    // OpenAI's shape: the call's first chunk has its index, id, type and name; later ones add to its arguments.
    toolCall: (piece) => {
      start();
      const call = piece.id !== undefined
        ? { index: piece.index, id: piece.id, type: 'function', function: { name: piece.name, arguments: piece.arguments } }
        : { index: piece.index, function: { arguments: piece.arguments } };
      sse.send(chatChunk(envelope, { tool_calls: [call] }, null, withUsage));
    },
    finish: (result) => {
      start();
      sse.send(chatChunk(envelope, {}, result.finishReason, withUsage));
      if (withUsage) sse.send(chatUsageChunk(envelope, usage(result.promptTokens, result.completionTokens, result.reasoningTokens)));
      sse.done();
    },
    fail: (error) => sse.fail(error),
  };
  await runGeneration(scope, request, responder);
}
