import { readFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { acceptsMediaType } from '../http/accepts.js';
import { sendStaticFile, type StaticFile } from '../http/static-file.js';
import { ownValue } from '../own-property.js';
import type { RequestScope } from './request-scope.js';

/** The page's files: runtime/ui/, beside dist/ in the image and in the npm package. */
const UI_DIR = new URL('../../ui/', import.meta.url);

/** Every file the page has, by URL path. Nothing else is ever read, so no path can reach another file. */
const FILES: Readonly<Record<string, { file: string; contentType: string }>> = {
  '/ui/index.html': { file: 'index.html', contentType: 'text/html; charset=utf-8' },
  '/ui/style.css': { file: 'style.css', contentType: 'text/css; charset=utf-8' },
  '/ui/app.js': { file: 'app.js', contentType: 'text/javascript; charset=utf-8' },
  '/ui/chat-stream.js': { file: 'chat-stream.js', contentType: 'text/javascript; charset=utf-8' },
  '/ui/render-text.js': { file: 'render-text.js', contentType: 'text/javascript; charset=utf-8' },
  '/ui/api-errors.js': { file: 'api-errors.js', contentType: 'text/javascript; charset=utf-8' },
  '/ui/icon.svg': { file: 'icon.svg', contentType: 'image/svg+xml' },
};

const PAGE = '/ui/index.html';

/**
 * Same-origin everything and no inline script: model output that somehow became markup still could not run,
 * load anything or send anything anywhere else.
 */
const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  // Fetched again on every load (no validators are sent, the files are small), so a new deployment's page is
  // never mixed with an old one's scripts.
  'Cache-Control': 'no-cache',
};

const loaded = new Map<string, StaticFile>();

/** Reads a file once (they are a few KB) and keeps it for the life of the process. */
function load(path: string): StaticFile {
  let file = loaded.get(path);
  if (file === undefined) {
    const entry = FILES[path];
    file = { body: readFileSync(new URL(entry.file, UI_DIR)), contentType: entry.contentType };
    loaded.set(path, file);
  }
  return file;
}

/** The route name of the page and its files in logs. */
export const WEB_UI_ROUTE = 'web-ui';

/**
 * Which file of the page a request asks for: `/` from a browser (the request names text/html in Accept) is
 * the page; `/ui/...` is one of the fixed files. Anything else is not the page's (undefined), so `POST /`,
 * `GET /` from curl and every API route go on as before.
 */
export function webUiFile(req: IncomingMessage, path: string): string | undefined {
  if (path === '/') {
    const method = req.method ?? 'GET';
    return (method === 'GET' || method === 'HEAD') && acceptsMediaType(req.headers, 'text/html') ? PAGE : undefined;
  }
  return ownValue(FILES, path) !== undefined ? path : undefined;
}

/** GET/HEAD of one of the page's files, with its security headers. */
export async function serveWebUiFile(scope: RequestScope, path: string): Promise<void> {
  const method = scope.req.method ?? 'GET';
  scope.status = 200;
  sendStaticFile(scope.res, method, load(path), SECURITY_HEADERS);
}
