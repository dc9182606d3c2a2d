/**
 * An error a client can act on, rendered as OpenAI's error object:
 * {"error": {"message", "type", "param", "code"}}.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly code: string | null,
    readonly param: string | null = null,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  toBody(): { error: { message: string; type: string; param: string | null; code: string | null } } {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export const invalidRequest = (message: string, param: string | null, code: string | null = 'invalid_value'): ApiError =>
  new ApiError(400, message, 'invalid_request_error', code, param);

export const notFound = (message: string, code = 'not_found'): ApiError =>
  new ApiError(404, message, 'invalid_request_error', code);

export const methodNotAllowed = (method: string, path: string, allow: readonly string[]): ApiError =>
  new ApiError(405, `Method ${method} is not allowed on ${path}; use ${allow.join(' or ')}.`, 'invalid_request_error',
    'method_not_allowed', null, { Allow: allow.join(', ') });

export const unauthorized = (message: string): ApiError =>
  new ApiError(401, message, 'invalid_request_error', 'invalid_api_key', null, { 'WWW-Authenticate': 'Bearer' });

export const payloadTooLarge = (limit: number): ApiError =>
  new ApiError(413, `The request body is larger than ${limit} bytes.`, 'invalid_request_error', 'request_too_large');

export const queueFull = (retryAfterSeconds: number): ApiError =>
  new ApiError(429, 'The server is busy with other requests; retry later.', 'rate_limit_error', 'queue_full', null,
    { 'Retry-After': String(retryAfterSeconds) });

export const notReady = (state: string): ApiError =>
  new ApiError(503, state === 'stopping' ? 'The server is shutting down.' : 'The model is still loading; retry shortly.',
    'server_error', state === 'stopping' ? 'shutting_down' : 'model_loading', null, { 'Retry-After': '1' });

/** The request came from a browser (it sent Origin or Sec-Fetch-Site) with a body that is not JSON: see browser-access.ts. */
export const unsupportedMediaType = (contentType: string | undefined): ApiError =>
  new ApiError(415, `${contentType === undefined ? 'A request without Content-Type' : `Content-Type "${contentType}"`} was sent by a web page ` +
    '(it carries Origin or Sec-Fetch-Site); requests from browsers must send Content-Type: application/json.',
  'invalid_request_error', 'unsupported_media_type');

export const forbidden = (message: string, code: string): ApiError =>
  new ApiError(403, message, 'invalid_request_error', code);

/** The request (headers or body) did not arrive within LLM_REQUEST_TIMEOUT_SECONDS; the server stops waiting (RFC 9110 §15.5.9). */
export const requestTimeout = (seconds: number): ApiError =>
  new ApiError(408, `The request did not arrive within ${seconds} seconds (LLM_REQUEST_TIMEOUT_SECONDS); send it again.`,
    'invalid_request_error', 'request_timeout', null, { Connection: 'close' });

export const internalError = (): ApiError =>
  new ApiError(500, 'The server failed to process the request.', 'server_error', 'internal_error');
