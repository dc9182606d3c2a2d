import type { IncomingMessage } from 'node:http';
import { ApiError, invalidRequest, payloadTooLarge } from './api-error.js';

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
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > maxBytes) {
        req.off('data', onData);
        reject(payloadTooLarge(maxBytes));
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
  });
  // A byte-order mark is allowed before JSON text (RFC 8259 lets parsers ignore it); JSON.parse is not.
  const text = Buffer.concat(chunks).toString('utf8').replace(/^\uFEFF/, '');
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

export function isApiError(error: unknown): error is ApiError {
  return error instanceof ApiError;
}
