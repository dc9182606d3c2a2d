import { createHash } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createProgressReporter, type ModelSourceLog } from './progress.js';
import { parseSha256, sha256OfFile } from './sha256.js';

export interface S3DownloadOptions {
  readonly bucket: string;
  readonly key: string;
  /** Fetch this version of the object instead of the current one. */
  readonly versionId?: string;
  /** Expected SHA-256 of the object: checked after the download; a mismatch deletes it and throws. */
  readonly sha256?: string;
  /** Where models fetched from S3 are kept. Default: `<os.tmpdir()>/llm-function-url/s3` (Lambda's /tmp). */
  readonly directory?: string;
  /** Ranged GETs in flight at once. Default {@link DEFAULT_S3_CONCURRENCY}. */
  readonly concurrency?: number;
  /** Bytes per ranged GET. Default {@link DEFAULT_S3_PART_SIZE_BYTES}. */
  readonly partSizeBytes?: number;
}

/**
 * One S3 connection gives roughly 50–100 MB/s; several ranged GETs at once fill the function's network link.
 * 16 MiB parts keep the per-request overhead small and a retried part cheap.
 */
export const DEFAULT_S3_CONCURRENCY = 8;
export const DEFAULT_S3_PART_SIZE_BYTES = 16 * 1024 * 1024;
const MIN_PART_SIZE_BYTES = 64 * 1024;
const ATTEMPTS_PER_PART = 3;

/**
 * Fetches s3://bucket/key into local storage with parallel ranged GETs written straight to their offsets,
 * checks the size (and the SHA-256 when one is expected), and renames the file into place only when complete.
 * A file already fetched by an earlier start in the same sandbox (same bucket, key, version, ETag, size and
 * expected checksum) is reused without downloading.
 */
export async function downloadModelFromS3(options: S3DownloadOptions, log: ModelSourceLog): Promise<string> {
  const { bucket, key, versionId } = options;
  const expectedSha256 = options.sha256 ? parseSha256(options.sha256, 'LLM_MODEL_SHA256') : undefined;
  const location = `s3://${bucket}/${key}${versionId ? `?versionId=${versionId}` : ''}`;
  const version = versionId ? { VersionId: versionId } : {};
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? DEFAULT_S3_CONCURRENCY));
  const partSize = Math.max(MIN_PART_SIZE_BYTES, Math.floor(options.partSizeBytes ?? DEFAULT_S3_PART_SIZE_BYTES));
  // Loaded here, not at the top: the S3 client costs about 0.2 s to import, which every start without an
  // S3 model would otherwise pay.
  const { GetObjectCommand, HeadObjectCommand, S3Client } = await import('@aws-sdk/client-s3');
  const client = createS3Client(S3Client);

  let size: number;
  let etag: string | undefined;
  try {
    const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ...version }));
    size = head.ContentLength ?? -1;
    etag = head.ETag;
  } catch (error) {
    throw new Error(`Cannot read the model at ${location}: ${describeS3Error(error)}`);
  }
  if (!(size > 0)) throw new Error(`The model at ${location} is empty (or S3 reported no size)`);

  const root = options.directory ?? join(tmpdir(), 'llm-function-url', 's3');
  // The expected checksum is part of the identity: a cached file was verified against exactly that one.
  const identity = createHash('sha256').update(JSON.stringify([bucket, key, versionId ?? '', etag ?? '', size, expectedSha256 ?? ''])).digest('hex').slice(0, 16);
  const folder = join(root, identity);
  const fileName = safeFileName(basename(key));
  const finalPath = join(folder, fileName);

  if ((await stat(finalPath).then((s) => s.size, () => -1)) === size) {
    log({ event: 'model_cache_hit', source: 's3', location, path: finalPath, sizeBytes: size });
    return finalPath;
  }

  await mkdir(folder, { recursive: true });
  // Models from earlier versions of the object only take space that /tmp may not have.
  for (const entry of await readdir(root)) {
    if (entry !== identity) await rm(join(root, entry), { recursive: true, force: true });
  }
  await assertFreeSpace(folder, size, location);

  const partialPath = `${finalPath}.partial`;
  const parts: Array<{ start: number; end: number }> = [];
  for (let start = 0; start < size; start += partSize) parts.push({ start, end: Math.min(start + partSize, size) - 1 });
  const workers = Math.min(concurrency, parts.length);
  log({ event: 'model_download_start', source: 's3', location, sizeBytes: size, parts: parts.length, concurrency: workers, path: finalPath });

  const progress = createProgressReporter(log, { source: 's3', location }, size);
  const abort = new AbortController();
  let downloaded = 0;
  let file: FileHandle | undefined;
  try {
    file = await open(partialPath, 'w');
    await file.truncate(size);
    const handle = file;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < parts.length && !abort.signal.aborted) {
        const part = parts[next++]!;
        await fetchPart(part, (bytes) => {
          downloaded += bytes;
          progress.update(downloaded);
        });
      }
    };
    const fetchPart = async (part: { start: number; end: number }, onBytes: (bytes: number) => void): Promise<void> => {
      for (let attempt = 1; ; attempt++) {
        let written = 0;
        try {
          const response = await client.send(
            new GetObjectCommand({ Bucket: bucket, Key: key, ...version, Range: `bytes=${part.start}-${part.end}`, ...(etag ? { IfMatch: etag } : {}) }),
            { abortSignal: abort.signal },
          );
          if (!response.Body) throw new Error('S3 returned no body');
          for await (const chunk of response.Body as AsyncIterable<Uint8Array>) {
            if (part.start + written + chunk.length > part.end + 1) throw new Error(`S3 sent more bytes than the range ${part.start}-${part.end} asked for`);
            await handle.write(chunk, 0, chunk.length, part.start + written);
            written += chunk.length;
            onBytes(chunk.length);
          }
          if (written !== part.end - part.start + 1) {
            throw new Error(`range ${part.start}-${part.end} ended after ${written} of ${part.end - part.start + 1} bytes`);
          }
          return;
        } catch (error) {
          onBytes(-written);
          if (abort.signal.aborted || attempt >= ATTEMPTS_PER_PART || isPermanent(error)) throw error;
          log({ event: 'model_download_retry', source: 's3', location, range: `${part.start}-${part.end}`, attempt, error: describeS3Error(error) });
        }
      }
    };
    await Promise.all(Array.from({ length: workers }, () => worker().catch((error: unknown) => {
      abort.abort();
      throw error;
    })));

    const written = (await file.stat()).size;
    if (written !== size || downloaded !== size) {
      throw new Error(`size check failed: S3 reported ${size} bytes, ${downloaded} were received and the file holds ${written}`);
    }
    await file.sync();
    await file.close();
    file = undefined;
    if (expectedSha256) await verifyChecksum(partialPath, expectedSha256, location, log);
    await rename(partialPath, finalPath);
  } catch (error) {
    abort.abort();
    await file?.close().catch(() => undefined);
    await rm(partialPath, { force: true });
    if (error instanceof ChecksumMismatchError) throw error;
    throw new Error(`Fetching the model from ${location} failed: ${describeS3Error(error)}`);
  } finally {
    client.destroy();
  }
  const mbPerSecond = progress.finish(size);
  log({ event: 'model_s3_fetch', location, sizeBytes: size, parts: parts.length, concurrency: workers, mbPerSecond });
  return finalPath;
}

/** A wrong model is never served: on a mismatch the download is deleted and the start fails, naming both checksums. */
async function verifyChecksum(path: string, expected: string, location: string, log: ModelSourceLog): Promise<void> {
  const actual = await sha256OfFile(path);
  if (actual !== expected) {
    throw new ChecksumMismatchError(
      `Checksum mismatch for the model at ${location}: expected SHA-256 ${expected}, got ${actual}. ` +
      'The download was deleted. Check the object (or its version) and the sha256 it is pinned to (LLM_MODEL_SHA256).',
    );
  }
  log({ event: 'model_verified', source: 's3', location, sha256: actual });
}

/** Not a transfer problem: the message is passed on unchanged. */
class ChecksumMismatchError extends Error {}

/**
 * Path-style addressing when the endpoint is overridden (AWS_ENDPOINT_URL_S3, which the SDK reads itself):
 * S3-compatible servers and local fakes rarely serve `bucket.host` names.
 */
function createS3Client(Client: typeof S3Client): S3Client {
  const endpointOverridden = Boolean(process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL);
  return new Client({
    forcePathStyle: endpointOverridden,
    followRegionRedirects: true,
    // Ranged reads cannot be checked against a whole-object checksum; the size check covers truncation.
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
}

async function assertFreeSpace(folder: string, needed: number, location: string): Promise<void> {
  const stats = await statfs(folder).catch(() => undefined);
  if (!stats) return;
  const free = Number(stats.bavail) * Number(stats.bsize);
  if (free < needed) {
    throw new Error(
      `Not enough space in ${folder} for the model at ${location}: it needs ${needed} bytes and ${free} are free. ` +
      'Give the function more ephemeral storage (/tmp).',
    );
  }
}

function isPermanent(error: unknown): boolean {
  const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
  return status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429;
}

function describeS3Error(error: unknown): string {
  const err = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
  const status = err.$metadata?.httpStatusCode;
  const hint = status === 403 ? ' (access denied: does the function role have s3:GetObject on it?)'
    : status === 404 ? ' (no such bucket or key)'
    : status === 412 ? ' (the object changed while it was being downloaded)'
    : '';
  const message = err.message && err.message !== 'UnknownError' ? err.message : (err.name ?? String(error));
  return `${status ? `HTTP ${status}: ` : ''}${message}${hint}`;
}

function safeFileName(name: string): string {
  const cleaned = name.replace(/[^\w.+-]/g, '_');
  const nonEmpty = cleaned === '' || cleaned === '.' || cleaned === '..' ? 'model' : cleaned;
  return nonEmpty.toLowerCase().endsWith('.gguf') ? nonEmpty : `${nonEmpty}.gguf`;
}
