import type { IncomingMessage } from 'node:http';

/** Headers the Lambda Web Adapter adds to every request it forwards from an invocation. */
const INVOCATION_HEADERS = ['x-amzn-lambda-context', 'x-amzn-request-context'];

/** 127.0.0.0/8, ::1, and IPv4 loopback seen through an IPv6 socket. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return address === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

/**
 * A call from inside the execution environment itself (the Web Adapter's SnapStart hooks), as opposed to
 * a client: it comes over loopback and carries no invocation headers. Behind the adapter every client
 * request also arrives over loopback, but with those headers (and the adapter answers outside calls to
 * its hook paths with 403 itself); off Lambda, clients come from other addresses.
 */
export function isLocalControlCall(req: IncomingMessage): boolean {
  return isLoopbackAddress(req.socket.remoteAddress) && INVOCATION_HEADERS.every((name) => req.headers[name] === undefined);
}
