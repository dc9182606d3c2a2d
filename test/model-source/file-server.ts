/**
 * Serves files over plain HTTP with HEAD and byte ranges (what a model host does), and counts requests, so
 * tests can prove a cached model is reused without touching the network.
 */
import { createReadStream, statSync } from 'fs';
import * as http from 'http';

export interface FileServer {
  readonly baseUrl: string;
  /** Every request as "METHOD /path". */
  readonly requests: string[];
  close(): Promise<void>;
}

export interface FileServerOptions {
  readonly port: number;
  readonly host?: string;
  /** URL path (starting with "/") → file on disk. */
  readonly files: Readonly<Record<string, string>>;
  /** Send bodies without Content-Length (chunked), as some servers and proxies do. */
  readonly chunked?: boolean;
  /**
   * The first request for each file announces this many bytes more than the file holds, then sends the file and
   * cuts the connection: a transfer cut short, as a busy network or server can.
   */
  readonly announceExtraBytesOnce?: number;
}

export async function startFileServer(options: FileServerOptions): Promise<FileServer> {
  const requests: string[] = [];
  const spoiled = new Set<string>();
  const server = http.createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://files').pathname;
    requests.push(`${req.method} ${path}`);
    const file = options.files[path];
    if (!file || (req.method !== 'GET' && req.method !== 'HEAD')) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found\n');
      return;
    }
    const size = statSync(file).size;
    const extra = options.announceExtraBytesOnce && !spoiled.has(path) ? options.announceExtraBytesOnce : 0;
    if (extra > 0) {
      spoiled.add(path);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': size + extra });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).on('end', () => res.destroy()).pipe(res, { end: false });
      return;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    const match = /^bytes=(\d+)-(\d*)$/.exec(req.headers.range ?? '');
    if (match) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      status = 206;
    }
    res.writeHead(status, {
      'accept-ranges': 'bytes',
      'content-type': 'application/octet-stream',
      ...(options.chunked ? {} : { 'content-length': end - start + 1 }),
      ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file, { start, end }).pipe(res);
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  return {
    baseUrl: `http://127.0.0.1:${options.port}`,
    requests,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
