import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { createProgressReporter, redactUrl, type ModelSourceLog } from './progress.js';
import { parseSha256, sha256OfFile } from './sha256.js';

export interface UrlDownloadOptions {
  readonly url: string;
  readonly sha256?: string;
  readonly cacheDir: string;
}

/** Written next to a finished download; its presence is what makes the file reusable without the network. */
interface CacheRecord {
  readonly url: string;
  readonly fileName: string;
  readonly sizeBytes: number;
  readonly sha256: string;
  readonly verified: boolean;
}

const RECORD_FILE = 'download.json';
/** Downloads that end with another size than the server announces are tried again, this many times in all. */
const DOWNLOAD_ATTEMPTS = 3;

/**
 * Downloads `url` once into its own folder under `cacheDir` with node-llama-cpp's downloader (a progress bar on
 * a terminal, JSON progress lines otherwise), checks the SHA-256 when one is given, and returns the path. The
 * next call with the same URL (and checksum) returns the cached file without touching the network.
 */
export async function downloadModelFromUrl(options: UrlDownloadOptions, log: ModelSourceLog): Promise<string> {
  const { url, cacheDir } = options;
  const expectedSha256 = options.sha256 ? parseSha256(options.sha256, 'LLM_MODEL_SHA256') : undefined;
  const safeUrl = redactUrl(url);
  // One folder per URL: two revisions of a file with the same name never overwrite each other.
  const folder = join(cacheDir, createHash('sha256').update(url).digest('hex').slice(0, 16));
  const recordPath = join(folder, RECORD_FILE);

  const cached = await readCacheRecord(recordPath);
  if (cached && cached.url === url && (!expectedSha256 || (cached.verified && cached.sha256 === expectedSha256))) {
    const cachedPath = join(folder, cached.fileName);
    const size = await stat(cachedPath).then((s) => s.size, () => -1);
    if (size === cached.sizeBytes) {
      log({ event: 'model_cache_hit', source: 'url', url: safeUrl, path: cachedPath, sizeBytes: size });
      return cachedPath;
    }
  }

  try {
    await mkdir(folder, { recursive: true });
  } catch (error) {
    throw new Error(`Cannot create the model cache folder ${folder} (${(error as Error).message}); set LLM_MODEL_CACHE_DIR to a writable folder`);
  }
  await rm(recordPath, { force: true });

  const fileName = fileNameFromUrl(url);
  const interactive = Boolean(process.stdout.isTTY);
  const progress = createProgressReporter(log, { source: 'url', url: safeUrl });
  log({ event: 'model_download_start', source: 'url', url: safeUrl, folder, verified: expectedSha256 !== undefined });

  let downloadedPath: string | undefined;
  for (let attempt = 1; downloadedPath === undefined; attempt++) {
    let candidate: string;
    try {
      // node-llama-cpp takes about 0.6 s to import: only a start that downloads pays it here (the engine
      // imports it anyway, in parallel with finding the model).
      const { createModelDownloader } = await import('node-llama-cpp');
      const downloader = await createModelDownloader({
        modelUri: url,
        dirPath: folder,
        ...(fileName ? { fileName } : {}),
        showCliProgress: interactive,
        // Download to a temporary name and rename at the end, so a half-written file is never mistaken for a model.
        skipExisting: false,
        deleteTempFileOnCancel: true,
        ...(interactive ? {} : { onProgress: ({ downloadedSize, totalSize }) => progress.update(downloadedSize, totalSize) }),
      });
      candidate = await downloader.download();
    } catch (error) {
      await removeDownload(folder, fileName);
      // The downloader's messages quote the full URL, which may carry a token in its query string.
      const message = ((error as Error).message ?? String(error)).split(url).join(safeUrl);
      throw new Error(`Downloading the model from ${safeUrl} failed: ${message}`);
    }
    // The downloader sizes its file by what the first response announced and, when a transfer is cut and
    // resumed, can finish with that size whatever arrived (measured: a cut response announcing 63 bytes too
    // many gave a 63-byte-longer file, reported complete). Ask the server again before trusting the file.
    const sizeOnDisk = (await stat(candidate)).size;
    const announced = await announcedSize(url);
    if (announced === undefined || announced === sizeOnDisk) {
      downloadedPath = candidate;
    } else {
      await removeDownload(folder, basename(candidate));
      if (attempt >= DOWNLOAD_ATTEMPTS) {
        throw new Error(`Downloading the model from ${safeUrl} failed: ${DOWNLOAD_ATTEMPTS} attempts ended with a file of another size ` +
          `than the server announces (${sizeOnDisk} against ${announced} bytes)`);
      }
      log({ event: 'model_download_retry', source: 'url', url: safeUrl, attempt, sizeBytes: sizeOnDisk, announcedBytes: announced });
    }
  }

  const size = (await stat(downloadedPath)).size;
  progress.finish(size);
  const actualSha256 = await sha256OfFile(downloadedPath);
  if (expectedSha256 && actualSha256 !== expectedSha256) {
    await removeDownload(folder, basename(downloadedPath));
    throw new Error(
      `Checksum mismatch for the model downloaded from ${safeUrl}: expected SHA-256 ${expectedSha256}, got ${actualSha256}. ` +
      'The downloaded file was deleted. Check LLM_MODEL_URL and LLM_MODEL_SHA256.',
    );
  }
  if (!expectedSha256) {
    log({ event: 'model_download_unverified', source: 'url', url: safeUrl, sha256: actualSha256, hint: 'set LLM_MODEL_SHA256 to pin this file' });
  }

  const record: CacheRecord = { url, fileName: basename(downloadedPath), sizeBytes: size, sha256: actualSha256, verified: expectedSha256 !== undefined };
  await writeFile(`${recordPath}.tmp`, JSON.stringify(record, null, 2));
  await rename(`${recordPath}.tmp`, recordPath);
  return downloadedPath;
}

async function readCacheRecord(recordPath: string): Promise<CacheRecord | undefined> {
  try {
    const parsed = JSON.parse(await readFile(recordPath, 'utf8')) as Partial<CacheRecord>;
    if (typeof parsed.url === 'string' && typeof parsed.fileName === 'string' && typeof parsed.sizeBytes === 'number' &&
        typeof parsed.sha256 === 'string' && typeof parsed.verified === 'boolean' && basename(parsed.fileName) === parsed.fileName) {
      return parsed as CacheRecord;
    }
  } catch {
    // No record, or an unreadable one: download again.
  }
  return undefined;
}

/** The last path segment of an http(s) URL, when it names a file; other URIs (hf:) let the downloader decide. */
function fileNameFromUrl(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return undefined;
    const last = decodeURIComponent(parsed.pathname.split('/').pop() ?? '');
    const safe = last.replace(/[^\w.+-]/g, '_');
    if (safe === '' || safe === '.' || safe === '..') return undefined;
    return safe.toLowerCase().endsWith('.gguf') ? safe : `${safe}.gguf`;
  } catch {
    return undefined;
  }
}

async function removeDownload(folder: string, fileName: string | undefined): Promise<void> {
  // Without a known name the folder holds only this URL's files: clear it entirely.
  if (!fileName) {
    await rm(folder, { recursive: true, force: true });
    return;
  }
  await rm(join(folder, fileName), { force: true });
  await rm(join(folder, `${fileName}.ipull`), { force: true });
}

/** The size the server announces for `url` now (HEAD, redirects followed), or undefined when it does not say. */
async function announcedSize(url: string): Promise<number | undefined> {
  if (!/^https?:/i.test(url)) return undefined;
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(30_000) });
    const length = Number(response.headers.get('content-length'));
    return response.ok && Number.isSafeInteger(length) && length > 0 ? length : undefined;
  } catch {
    // No answer to a HEAD is no evidence against the file; the checksum, when given, still decides.
    return undefined;
  }
}
