// OpenAI chat completions over Server-Sent Events, read with fetch (EventSource cannot POST or send headers).
import { ApiFailure, failureFrom } from './api-errors.js';

/** Headers of every API call: JSON, and the bearer key when the user gave one. */
export function apiHeaders(apiKey) {
  const headers = { 'Content-Type': 'application/json' };
  if (apiKey) headers.Authorization = `Bearer ${apiKey}`;
  return headers;
}

/** Splits the stream into events and yields each event's data (`data:` lines joined). */
async function* sseData(body) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) !== -1) {
      const event = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = event.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trimStart()).join('\n');
      if (data !== '') yield data;
    }
  }
}

/** A stream that ended without the server's closing `[DONE]`: a timeout or a dropped connection cut the answer. */
export class StreamCut extends Error {
  constructor() {
    super('The answer was cut off: the connection ended before the server finished it.');
    this.name = 'StreamCut';
  }
}

/**
 * Streams one answer. `on.reasoning(text)` and `on.content(text)` get each piece as it arrives, `on.usage(usage)`
 * the counts at the end. Resolves with the finish reason (`stop`, or `length` when a token or time limit cut
 * the answer). Rejects with an ApiFailure for a refused request or an error event, with a StreamCut when the
 * stream ends before `[DONE]`, and with an AbortError when `signal` fires (the server then stops generating,
 * as for any client that leaves).
 */
export async function streamChat({ messages, apiKey, signal, on }) {
  const response = await fetch('/v1/chat/completions', {
    method: 'POST',
    headers: apiHeaders(apiKey),
    body: JSON.stringify({ messages, stream: true, stream_options: { include_usage: true } }),
    signal,
  });
  if (!response.ok) throw await failureFrom(response);
  let finishReason;
  for await (const data of sseData(response.body)) {
    if (data === '[DONE]') return finishReason;
    const chunk = JSON.parse(data);
    if (chunk.error !== undefined) throw new ApiFailure(response.status, chunk.error);
    finishReason = chunk.choices?.[0]?.finish_reason ?? finishReason;
    const delta = chunk.choices?.[0]?.delta;
    if (typeof delta?.reasoning_content === 'string' && delta.reasoning_content !== '') on.reasoning(delta.reasoning_content);
    if (typeof delta?.content === 'string' && delta.content !== '') on.content(delta.content);
    if (chunk.usage) on.usage(chunk.usage);
  }
  throw new StreamCut();
}

/** The first model's id from /v1/models. */
export async function fetchModelId(apiKey) {
  const response = await fetch('/v1/models', { headers: apiHeaders(apiKey) });
  if (!response.ok) throw await failureFrom(response);
  const list = await response.json();
  return list.data?.[0]?.id ?? 'model';
}
