/**
 * Runs inside `docker build` (runtime/Dockerfile), before any node_modules exist, so it uses Node built-ins
 * only and must never import node-llama-cpp.
 *
 *   node dist/model-source/build-time-model.js fetch <destination>   # MODEL_SOURCE=url
 *   node dist/model-source/build-time-model.js check <file>          # MODEL_SOURCE=file
 *
 * `fetch` reads the build args MODEL_URL, MODEL_SHA256 and MODEL_ALLOW_UNVERIFIED from the environment,
 * downloads while hashing, and refuses (exit 1, one clear line) a missing or wrong checksum. Both modes
 * validate the GGUF header, so a file llama.cpp would abort on never makes it into an image, and both refuse
 * a file larger than MODEL_MAX_BYTES: the size the construct sized the function's memory for.
 */
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { validateGgufFile } from './gguf-validation.js';
import { createProgressReporter, redactUrl } from './progress.js';
import { parseSha256 } from './sha256.js';

class BuildInputError extends Error {}

const ATTEMPTS = 3;

/** MODEL_MAX_BYTES: a whole number of bytes, or undefined when not set (images built without the construct). */
function maxBytesFromEnvironment(): number | undefined {
  const raw = (process.env.MODEL_MAX_BYTES ?? '').trim();
  if (raw === '') return undefined;
  if (!/^[1-9]\d*$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new BuildInputError(`MODEL_MAX_BYTES must be a whole number of bytes, got ${JSON.stringify(raw)}.`);
  }
  return Number(raw);
}

/**
 * The error for a model larger than the function was sized for: deterministic, so never retried.
 *
 * @param bytes the model's size, when known (a download without Content-Length is stopped at the limit)
 */
function tooLarge(maxBytes: number, bytes: number | undefined, remedy: string): BuildInputError {
  const size = bytes === undefined ? `more than ${maxBytes} bytes` : `${bytes} bytes`;
  return new BuildInputError(
    `the model is ${size}, more than MODEL_MAX_BYTES (${maxBytes} bytes), the size the function's memory was sized for: ` +
    `a function sized for a smaller file runs out of memory when it loads the model. ${remedy}`,
  );
}

/** What to do about a download larger than the size declared to the construct. */
function declareSize(bytes?: number): string {
  return `Declare the model's real size in LlmModel.fromUrl's size option${bytes === undefined ? '' : ` (Size.bytes(${bytes}))`} and deploy again.`;
}

function print(event: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

async function downloadOnce(url: string, partialPath: string, maxBytes: number | undefined): Promise<{ sha256: string; bytes: number }> {
  const response = await fetch(url, { redirect: 'follow' });
  if (!response.ok || !response.body) {
    throw new Error(`HTTP ${response.status} ${response.statusText}`.trim());
  }
  const total = Number(response.headers.get('content-length') ?? 0);
  if (maxBytes !== undefined && total > maxBytes) {
    await response.body.cancel();
    throw tooLarge(maxBytes, total, declareSize(total));
  }
  const progress = createProgressReporter(print, { source: 'build', url: redactUrl(url) }, total);
  const hash = createHash('sha256');
  let bytes = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk);
      bytes += chunk.length;
      // A server that sends no Content-Length (or a wrong one) is stopped as soon as it passes the limit.
      if (maxBytes !== undefined && bytes > maxBytes) {
        callback(tooLarge(maxBytes, undefined, declareSize()));
        return;
      }
      progress.update(bytes);
      callback(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as import('node:stream/web').ReadableStream<Uint8Array>), meter, createWriteStream(partialPath));
  if (total > 0 && bytes !== total) throw new Error(`the connection closed after ${bytes} of ${total} bytes`);
  progress.finish(bytes);
  return { sha256: hash.digest('hex'), bytes };
}

async function fetchModel(destination: string): Promise<void> {
  const url = (process.env.MODEL_URL ?? '').trim();
  const rawSha256 = (process.env.MODEL_SHA256 ?? '').trim();
  const allowUnverified = (process.env.MODEL_ALLOW_UNVERIFIED ?? 'false').trim().toLowerCase() === 'true';
  if (url === '') throw new BuildInputError('MODEL_SOURCE=url needs the build arg MODEL_URL (the http(s) URL of a GGUF file).');
  if (!/^https?:\/\//i.test(url)) throw new BuildInputError(`MODEL_URL must be an http(s) URL, got ${JSON.stringify(redactUrl(url))}.`);
  if (rawSha256 === '' && !allowUnverified) {
    throw new BuildInputError(
      'MODEL_SHA256 is missing: a model downloaded from MODEL_URL must match a known SHA-256 (64 hex characters). ' +
      'Pass --build-arg MODEL_SHA256=<checksum>, or --build-arg MODEL_ALLOW_UNVERIFIED=true to accept any bytes (not recommended).',
    );
  }
  let expected: string | undefined;
  try {
    expected = rawSha256 === '' ? undefined : parseSha256(rawSha256, 'MODEL_SHA256');
  } catch (error) {
    throw new BuildInputError((error as Error).message);
  }
  const maxBytes = maxBytesFromEnvironment();

  const safeUrl = redactUrl(url);
  await mkdir(dirname(destination), { recursive: true });
  const partialPath = `${destination}.partial`;
  let result: { sha256: string; bytes: number } | undefined;
  for (let attempt = 1; !result; attempt++) {
    try {
      print({ event: 'model_download_start', source: 'build', url: safeUrl, attempt, verified: expected !== undefined });
      result = await downloadOnce(url, partialPath, maxBytes);
    } catch (error) {
      await rm(partialPath, { force: true });
      if (error instanceof BuildInputError) throw error;
      const message = ((error as Error).message ?? String(error)).split(url).join(safeUrl);
      if (attempt >= ATTEMPTS) throw new BuildInputError(`Downloading MODEL_URL ${safeUrl} failed after ${ATTEMPTS} attempts: ${message}`);
      print({ event: 'model_download_retry', source: 'build', url: safeUrl, attempt, error: message });
      await new Promise((resolve) => setTimeout(resolve, 2000 * attempt));
    }
  }

  if (expected && result.sha256 !== expected) {
    await rm(partialPath, { force: true });
    throw new BuildInputError(
      `MODEL_SHA256 mismatch: the file downloaded from ${safeUrl} has SHA-256 ${result.sha256}, but MODEL_SHA256 is ${expected}. ` +
      'Refusing to build an image with unverified model bytes.',
    );
  }
  if (!expected) print({ event: 'model_download_unverified', source: 'build', url: safeUrl, sha256: result.sha256 });
  await checkModel(partialPath);
  await chmod(partialPath, 0o444);
  await rename(partialPath, destination);
  print({ event: 'model_ready', path: destination, bytes: result.bytes, sha256: result.sha256 });
}

/** MODEL_SOURCE=file: the file in the build context must not have grown past the size synth read. */
async function checkFile(path: string): Promise<void> {
  const maxBytes = maxBytesFromEnvironment();
  const { size } = await stat(path);
  if (maxBytes !== undefined && size > maxBytes) throw tooLarge(maxBytes, size, 'The file grew after cdk synth read its size; synthesize again.');
  await checkModel(path);
}

async function checkModel(path: string): Promise<void> {
  try {
    const summary = await validateGgufFile(path);
    print({ event: 'model_validated', ...summary });
  } catch (error) {
    throw new BuildInputError((error as Error).message);
  }
}

const [mode, target] = process.argv.slice(2);
try {
  if (mode === 'fetch' && target) await fetchModel(target);
  else if (mode === 'check' && target) await checkFile(target);
  else throw new BuildInputError('usage: build-time-model.js fetch <destination> | check <file>');
} catch (error) {
  const message = error instanceof BuildInputError ? error.message : `unexpected failure: ${(error as Error).stack ?? String(error)}`;
  process.stderr.write(`\nERROR (model for the image): ${message}\n\n`);
  process.exitCode = 1;
}
