import type { ServerResponse } from 'node:http';

/** A file served as it is, from memory. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

/** Writes a static file (headers only for HEAD) with the given extra headers. */
export function sendStaticFile(res: ServerResponse, method: string, file: StaticFile, headers: Readonly<Record<string, string>>): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(200, {
    'Content-Type': file.contentType,
    'Content-Length': file.body.length,
    ...headers,
  });
  res.end(method === 'HEAD' ? undefined : file.body);
}
