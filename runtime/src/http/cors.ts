import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Lets a browser page of `origin` read this response. No credentials mode: the API's only credential is the
 * bearer key, which a page sends itself in Authorization, never a cookie.
 */
export function allowCrossOrigin(res: ServerResponse, origin: string): void {
  res.setHeader('Access-Control-Allow-Origin', origin);
  res.setHeader('Access-Control-Expose-Headers', 'x-request-id, Retry-After');
  res.setHeader('Vary', 'Origin');
}

/** A CORS preflight: the browser asks before a request a web page may not send on its own. */
export function isPreflight(req: IncomingMessage): boolean {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined;
}

/**
 * Answers a preflight from an allowed origin: the path's methods, and any request header. `*` does not cover
 * Authorization (Fetch standard), so it is named; the wildcard admits what SDKs add of their own (the
 * OpenAI SDK's `x-stainless-*`).
 */
export function answerPreflight(res: ServerResponse, methods: readonly string[]): void {
  res.writeHead(204, {
    'Access-Control-Allow-Methods': methods.join(', '),
    'Access-Control-Allow-Headers': 'Authorization, Content-Type, *',
    'Access-Control-Max-Age': '600',
    'Vary': 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  });
  res.end();
}
