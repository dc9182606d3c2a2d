import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { forbidden, unsupportedMediaType } from './api-error.js';
import { hostNameOf, isLoopbackName, isOwnOrigin, normalizeOrigin } from './origin.js';

/** Which browsers may reach the server. */
export interface OriginPolicy {
  /** The bind address (HOST): when it is a loopback one, foreign Host and Origin values are refused. */
  readonly bindHost: string;
  /** Foreign origins allowed to call the API (normalized; `*` for any): LLM_ALLOWED_ORIGINS. */
  readonly allowedOrigins: readonly string[];
}

/**
 * Refuses (403) what only a web page on another site would send to a server on this machine: a `Host` that
 * is not a loopback name (DNS rebinding: the attacker's name resolved to 127.0.0.1, so the page reads the
 * answers as its own) or an `Origin` that is neither this server's nor listed. Off loopback (the container,
 * Lambda) nothing is refused here. Returns the request's origin when it may read the answer cross-origin
 * (CORS): a listed origin anywhere, this server's own on loopback; undefined otherwise.
 */
export function checkBrowserAccess(req: IncomingMessage, policy: OriginPolicy): string | undefined {
  const loopbackOnly = isLoopbackName(policy.bindHost);
  const host = req.headers.host;
  // A missing Host (HTTP/1.0) is no rebinding: browsers always send it.
  if (loopbackOnly && host !== undefined) {
    const name = hostNameOf(host);
    if (name === undefined || !isLoopbackName(name)) {
      throw forbidden(`Host "${host}" is not a loopback name. This server listens on a loopback address (HOST=${policy.bindHost}) and ` +
        'answers only requests addressed to localhost, 127.0.0.1 or [::1], so that no web page can reach it through DNS rebinding; ' +
        'to serve other names, set HOST to the address to listen on.', 'host_not_allowed');
    }
  }
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const normalized = normalizeOrigin(origin);
  if (normalized !== undefined && policy.allowedOrigins.some((allowed) => allowed === '*' || allowed === normalized)) return origin;
  if (!loopbackOnly) return undefined;
  if (normalized !== undefined && isOwnOrigin(normalized, req.socket.localPort)) return origin;
  throw forbidden(`Origin "${origin}" may not call this server: a web page from another site may not use a model served on this ` +
    'machine. To allow that site, add its origin to LLM_ALLOWED_ORIGINS (comma-separated, e.g. https://app.example.com).', 'origin_not_allowed');
}

/**
 * Whether the request carries what browsers add and other clients do not: `Origin` (sent on every POST,
 * Fetch standard) or a `Sec-Fetch-Site` other than `none` (`none` is a navigation the user started).
 */
export function isFromBrowser(headers: IncomingHttpHeaders): boolean {
  const site = headers['sec-fetch-site'];
  return headers.origin !== undefined || (site !== undefined && site.trim().toLowerCase() !== 'none');
}

/** `application/json` or `application/<anything>+json`, with or without parameters. */
export function isJsonMediaType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type === 'application/json' || (type !== undefined && /^application\/[^/\s]+\+json$/.test(type));
}

/**
 * A web page may send text/plain, form or multipart bodies to any address without asking first (a "simple"
 * request, no preflight): from a browser, a body must be JSON, which browsers only send cross-site after a
 * preflight the origin checks answer. Without browser headers (curl, whose `-d` says form-urlencoded; SDKs)
 * the body is read as JSON whatever its Content-Type, as the seed's `curl -d '{"prompt": ...}'` needs.
 */
export function requireJsonFromBrowsers(req: IncomingMessage): void {
  const contentType = req.headers['content-type'];
  if (isFromBrowser(req.headers) && !isJsonMediaType(contentType)) throw unsupportedMediaType(contentType);
}
