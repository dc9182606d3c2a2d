import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest, payloadTooLarge } from './api-error.js';

/** How to stop each body being read, so the server can answer before the body is all there. */
const cancellers = new WeakMap<IncomingMessage, (error: ApiError) => void>();

/**
 * Stops reading the body of `req`, which then fails with `error` and is answered like any refused request
 * (the rest of the body is read and dropped). False when nothing is reading that body.
 */
export function cancelBodyRead(req: IncomingMessage, error: ApiError): boolean {
  const cancel = cancellers.get(req);
  cancel?.(error);
  return cancel !== undefined;
}

/**
 * Reads the whole body, refusing more than maxBytes both from Content-Length (before reading anything)
 * and while reading (chunked bodies), then parses it as a JSON object.
 */
export async function readJsonBody(req: IncomingMessage, maxBytes: number): Promise<Record<string, unknown>> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > maxBytes) throw payloadTooLarge(maxBytes);
  // Events rather than for-await: leaving a for-await loop early destroys the request, and with it the
  // connection the 413 still has to go out on.
  const chunks = await new Promise<Buffer[]>((resolve, reject) => {
    const received: Buffer[] = [];
    let size = 0;
    const stop = (error: Error): void => {
      req.off('data', onData);
      reject(error);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        stop(payloadTooLarge(maxBytes));
        return;
      }
      received.push(chunk);
    };
    req.on('data', onData);
    req.once('end', () => resolve(received));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('the client closed the connection before sending the whole body'));
    });
    cancellers.set(req, stop);
  }).finally(() => cancellers.delete(req));
  const text = decodeUtf8(Buffer.concat(chunks));
  if (text.trim() === '') throw invalidRequest('The request body is empty; send a JSON object.', null, 'invalid_json');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw invalidRequest(`The request body is not valid JSON (${(error as Error).message}).`, null, 'invalid_json');
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw invalidRequest('The request body must be a JSON object.', null, 'invalid_json');
  }
  return parsed as Record<string, unknown>;
}

/**
 * JSON bodies are UTF-8 (RFC 8259): invalid bytes are refused rather than replaced with U+FFFD and served.
 * A leading byte-order mark is dropped (the decoder does that), since parsers may ignore it.
 */
function decodeUtf8(body: Buffer): string {
  try {
    return UTF8.decode(body);
  } catch {
    throw invalidRequest('The request body is not valid UTF-8; send JSON encoded as UTF-8.', null, 'invalid_json');
  }
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
