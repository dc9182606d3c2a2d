import { maxHeaderSize, STATUS_CODES, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { ApiError, payloadTooLarge, requestTimeout } from './api-error.js';
import { isDiscardingBody } from './discard-body.js';
import { cancelBodyRead } from './read-json-body.js';

/** What Node's parser or its request timers report, as the status a client should see (Node's own choices). */
export function clientErrorFor(code: string | undefined, requestTimeoutSeconds: number): ApiError {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return new ApiError(431, `The request's headers are larger than ${maxHeaderSize} bytes, the most this server reads.`,
        'invalid_request_error', 'request_header_fields_too_large');
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return payloadTooLarge(maxHeaderSize);
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return requestTimeout(requestTimeoutSeconds);
    default:
      return new ApiError(400, `The request is not valid HTTP/1.1 (${code ?? 'unknown parse error'}).`, 'invalid_request_error', 'invalid_http');
  }
}

/** A whole response written on the socket itself, for errors found before Node made a response object. */
function rawResponse(error: ApiError): string {
  const body = JSON.stringify(error.toBody());
  return `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * The server's `clientError` handler: the status Node itself would send (431 for oversized headers, 408
 * for a request that arrives too slowly, 400 for the rest), with an OpenAI error object. A request already
 * handed to its route whose body arrives too slowly is answered by the route, like any refused request:
 * its log line, and the rest of the body drained. (A client that leaves mid-body also ends up here, with
 * a parse error: its route logs it as gone, 499.) Returns the error written on the socket, for a log line
 * of its own; undefined when nothing was written or the route answers (and logs) it.
 */
export function answerClientError(error: Error & { code?: string }, socket: Duplex, requestTimeoutSeconds: number): ApiError | undefined {
  const inFlight = (socket as { _httpMessage?: ServerResponse | null })._httpMessage ?? undefined;
  // A response is already on its way (or done, and the body is being drained): writing another into
  // this connection would corrupt it. Node's own default does the same.
  if (!socket.writable || inFlight?.headersSent === true || isDiscardingBody(socket as Socket)) {
    socket.destroy();
    return undefined;
  }
  const apiError = clientErrorFor(error.code, requestTimeoutSeconds);
  if (error.code !== 'ERR_HTTP_REQUEST_TIMEOUT') {
    socket.end(rawResponse(apiError));
    return apiError;
  }
  if (inFlight !== undefined && cancelBodyRead(inFlight.req, apiError)) return undefined;
  socket.end(rawResponse(apiError));
  // After a timeout the parser still works: a late end of the headers would start a request nobody waits for.
  (socket as Socket).destroySoon();
  return apiError;
}
