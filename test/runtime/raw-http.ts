/**
 * HTTP/1.1 over a bare TCP socket, for what Node's client hides or refuses: a request sent byte by byte or
 * stalled halfway, headers no client would send, and a client that reads nothing until it has sent
 * everything (as Node's fetch and the Lambda Web Adapter do).
 */
import * as net from 'node:net';

export interface RawResponse {
  /** Everything the server sent, as text. */
  readonly raw: string;
  /** 0 when nothing that looks like a status line came back. */
  readonly status: number;
  /** Lower-cased names. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
  /** The socket error the client saw (EPIPE, ECONNRESET), if any. */
  readonly error?: string;
  /** Whether the server closed the connection (its FIN, or a reset) before the test gave up waiting. */
  readonly closed: boolean;
}

export function parseResponse(raw: string, extra: { error?: string; closed: boolean }): RawResponse {
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = headEnd >= 0 ? raw.slice(0, headEnd) : raw;
  const [statusLine, ...lines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1];
  const headers = Object.fromEntries(lines.map((line) => {
    const colon = line.indexOf(':');
    return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
  }));
  const body = headEnd >= 0 ? raw.slice(headEnd + 4) : '';
  let json: any;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { raw, status: status === undefined ? 0 : Number(status), headers, body, json, ...extra };
}

export interface RawExchangeOptions {
  /** Sent first, as is (request line and headers, and any start of the body). */
  readonly head: string;
  /** Sent after the head, in one write. */
  readonly body?: Buffer;
  /** Read nothing until every byte is written (the socket stays paused), as Node's fetch does. */
  readonly readAfterWrite?: boolean;
  /** Called once the head (and body) are written: the test may act (signal the server, write more, leave). */
  readonly afterWrite?: (socket: net.Socket) => void;
  /** Give up waiting for the server to close after this long, and report what came. */
  readonly timeoutMs?: number;
}

/** Sends a request on a fresh connection and collects the answer until the server closes it (or the timeout). */
export function rawExchange(port: number, options: RawExchangeOptions): Promise<RawResponse> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let settled = false;
    const socket = net.connect(port, '127.0.0.1');
    const finish = (closed: boolean): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parseResponse(Buffer.concat(chunks).toString('utf8'), { error, closed }));
    };
    const timer = setTimeout(() => finish(false), options.timeoutMs ?? 20_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => { error ??= e.code ?? e.message; });
    socket.on('close', () => finish(true));
    if (options.readAfterWrite) socket.pause();
    socket.once('connect', () => {
      const written = (e?: Error | null): void => {
        if (e) return;
        if (options.readAfterWrite) socket.resume();
        options.afterWrite?.(socket);
      };
      if (options.body === undefined) {
        socket.write(options.head, written);
      } else {
        socket.write(options.head);
        socket.write(options.body, written);
      }
    });
  });
}
