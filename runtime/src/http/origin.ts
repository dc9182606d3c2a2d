import { isIP } from 'node:net';
import { isLoopbackAddress } from './local-call.js';

/**
 * Whether a host name always means this machine: `localhost` and its subdomains (RFC 6761 §6.3; browsers
 * resolve them to loopback without asking DNS, so no DNS answer can rebind them), 127.0.0.0/8 and `::1`
 * (with or without the brackets of a URL). `.local` and other private names are not: they come from the
 * network (mDNS, a LAN resolver), which someone else may answer.
 */
export function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase();
  if (name === 'localhost' || name.endsWith('.localhost')) return true;
  const address = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return isIP(address) !== 0 && isLoopbackAddress(address);
}

/** The host name of a Host header (`name`, `name:port`, `[v6]`, `[v6]:port`); undefined when malformed. */
export function hostNameOf(hostHeader: string): string | undefined {
  return /^(\[[0-9a-f:.]+\]|[^:[\]\s]+)(?::\d{1,5})?$/i.exec(hostHeader.trim())?.[1];
}

/**
 * An origin as browsers write it in the Origin header: `scheme://host[:port]`, lower case, without the
 * scheme's default port (so `http://LOCALHOST:80` and `http://localhost` compare equal). Undefined when the
 * text is not an origin (a path, a query, credentials, `null`). Other schemes (`chrome-extension://<id>`)
 * are kept as they are, lower-cased.
 */
export function normalizeOrigin(text: string): string | undefined {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#@\s]+)\/?$/i.exec(text.trim());
  if (match === null) return undefined;
  const scheme = match[1].toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') return `${scheme}://${match[2].toLowerCase()}`;
  try {
    return new URL(`${scheme}://${match[2]}`).origin;
  } catch {
    return undefined;
  }
}

/** An origin of this server itself: plain http, a loopback name, and the port the request came in on. */
export function isOwnOrigin(origin: string, port: number | undefined): boolean {
  if (!origin.startsWith('http://')) return false;
  const url = new URL(origin);
  return (url.port === '' ? 80 : Number(url.port)) === port && isLoopbackName(url.hostname);
}
