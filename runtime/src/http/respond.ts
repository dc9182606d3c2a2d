import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const payload = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(payload),
    'Cache-Control': 'no-store',
    ...headers,
  });
  res.end(payload);
}

export function sendError(res: ServerResponse, error: ApiError, extraHeaders: Record<string, string> = {}): void {
  sendJson(res, error.status, error.toBody(), { ...error.headers, ...extraHeaders });
}
