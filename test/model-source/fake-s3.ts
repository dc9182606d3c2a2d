/**
 * A tiny S3 stand-in on node:http, path-style (`/bucket/key`), enough for the AWS SDK's HeadObject and
 * GetObject with Range and If-Match. It records every request and the most GETs it served at once, so a test
 * can prove the download really ran in parallel.
 */
import { createHash } from 'crypto';
import { createReadStream, statSync } from 'fs';
import * as http from 'http';

export interface FakeS3Request {
  readonly method: string;
  readonly bucket: string;
  readonly key: string;
  readonly range?: string;
  readonly versionId?: string;
  readonly signed: boolean;
}

export interface FakeS3 {
  readonly endpoint: string;
  readonly requests: FakeS3Request[];
  /** The highest number of GET responses in progress at the same moment. */
  readonly maxConcurrentGets: () => number;
  readonly faults: FakeS3Faults;
  close(): Promise<void>;
}

export interface FakeS3Options {
  readonly port: number;
  /** Host to listen on; 0.0.0.0 when a container on the host network must reach it. */
  readonly host?: string;
  /** `bucket/key` → file on disk: the current version. */
  readonly objects: Readonly<Record<string, string>>;
  /** `bucket/key` → version id → file on disk: older versions, read with `?versionId=`. */
  readonly versions?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  /** Wait this long before answering each GET, so overlapping requests are observable. */
  readonly getDelayMs?: number;
}

export interface FakeS3Faults {
  /** The next this-many GETs send half their body, then the connection is cut (a flaky network). */
  cutNextGets: number;
}

export async function startFakeS3(options: FakeS3Options): Promise<FakeS3> {
  const requests: FakeS3Request[] = [];
  // Real ETags of multipart uploads are not content MD5s either; size and mtime identify a version here
  // without hashing a gigabyte on the first HEAD.
  const etagOf = (file: string): string => {
    const stats = statSync(file);
    return `"${createHash('md5').update(`${file}:${stats.size}:${stats.mtimeMs}`).digest('hex')}"`;
  };
  let inFlight = 0;
  let maxInFlight = 0;
  const faults: FakeS3Faults = { cutNextGets: 0 };

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://fake-s3');
    const [bucket = '', ...keyParts] = url.pathname.slice(1).split('/');
    const key = decodeURIComponent(keyParts.join('/'));
    const method = req.method ?? 'GET';
    const range = req.headers.range;
    const versionId = url.searchParams.get('versionId') ?? undefined;
    requests.push({ method, bucket: decodeURIComponent(bucket), key, ...(range ? { range } : {}), ...(versionId ? { versionId } : {}), signed: typeof req.headers.authorization === 'string' });

    const objectName = `${decodeURIComponent(bucket)}/${key}`;
    const file = versionId === undefined ? options.objects[objectName] : options.versions?.[objectName]?.[versionId];
    if (!file || (method !== 'GET' && method !== 'HEAD')) {
      res.writeHead(method === 'HEAD' || method === 'GET' ? 404 : 405, { 'content-type': 'application/xml' });
      res.end(method === 'HEAD' ? undefined : '<?xml version="1.0" encoding="UTF-8"?><Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>');
      return;
    }
    const size = statSync(file).size;
    const etag = etagOf(file);
    const common = { 'accept-ranges': 'bytes', etag, ...(versionId ? { 'x-amz-version-id': versionId } : {}), 'last-modified': new Date(0).toUTCString(), 'content-type': 'application/octet-stream' };
    if (method === 'HEAD') {
      res.writeHead(200, { ...common, 'content-length': size });
      res.end();
      return;
    }
    const ifMatch = req.headers['if-match'];
    if (ifMatch && ifMatch !== etag) {
      res.writeHead(412, { 'content-type': 'application/xml' });
      res.end('<Error><Code>PreconditionFailed</Code><Message>At least one of the pre-conditions you specified did not hold</Message></Error>');
      return;
    }
    let start = 0;
    let end = size - 1;
    let status = 200;
    const match = /^bytes=(\d+)-(\d*)$/.exec(range ?? '');
    if (range && match) {
      start = Number(match[1]);
      end = match[2] ? Math.min(Number(match[2]), size - 1) : size - 1;
      status = 206;
      if (start > end) {
        res.writeHead(416, { 'content-range': `bytes */${size}` });
        res.end();
        return;
      }
    }
    inFlight++;
    maxInFlight = Math.max(maxInFlight, inFlight);
    let finished = false;
    const done = () => {
      if (!finished) {
        finished = true;
        inFlight--;
      }
    };
    res.on('close', done);
    setTimeout(() => {
      res.writeHead(status, {
        ...common,
        'content-length': end - start + 1,
        ...(status === 206 ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      if (faults.cutNextGets > 0) {
        faults.cutNextGets--;
        const half = Math.floor((end - start + 1) / 2);
        createReadStream(file, { start, end: start + half - 1 })
          .on('end', () => res.socket?.destroy())
          .pipe(res, { end: false });
        return;
      }
      createReadStream(file, { start, end }).pipe(res);
    }, options.getDelayMs ?? 0);
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => resolve());
  });
  return {
    endpoint: `http://127.0.0.1:${options.port}`,
    requests,
    maxConcurrentGets: () => maxInFlight,
    faults,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
