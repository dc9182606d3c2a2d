import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DEFAULT_MODEL_SHA256, DEFAULT_MODEL_URL } from './default-model.js';
import { validateGgufFile } from './gguf-validation.js';
import type { ModelSourceLog } from './progress.js';
import { downloadModelFromS3 } from './s3-download.js';
import { downloadModelFromUrl } from './url-download.js';

export { validateGgufFile, type GgufSummary } from './gguf-validation.js';
export { GgufFormatError } from './gguf-header.js';
export type { ModelSourceLog } from './progress.js';
export { DEFAULT_S3_CONCURRENCY, DEFAULT_S3_PART_SIZE_BYTES } from './s3-download.js';
export {
  DEFAULT_MODEL_FILE_NAME, DEFAULT_MODEL_REPOSITORY, DEFAULT_MODEL_REVISION, DEFAULT_MODEL_SHA256,
  DEFAULT_MODEL_SIZE_BYTES, DEFAULT_MODEL_URL,
} from './default-model.js';

export interface ModelSourceSettings {
  /** A GGUF file on disk (LLM_MODEL_PATH). Wins over the URL, loses to S3. */
  modelPath?: string;
  /** Downloaded into `cacheDir` when neither S3 nor a path is set (LLM_MODEL_URL). */
  modelUrl: string;
  /** Expected SHA-256 of the file behind `modelUrl` or the S3 object (LLM_MODEL_SHA256). Not applied to local files. */
  modelSha256?: string;
  /** Where URL downloads are kept between runs (LLM_MODEL_CACHE_DIR). */
  cacheDir: string;
  /** With `s3Key`, fetch the model from S3 into /tmp at start (LLM_MODEL_S3_BUCKET, LLM_MODEL_S3_KEY). */
  s3Bucket?: string;
  s3Key?: string;
  /** A version of the S3 object to fetch instead of the current one (LLM_MODEL_S3_VERSION_ID). */
  s3VersionId?: string;
  /** Tuning for the S3 fetch; the defaults suit Lambda. */
  s3Concurrency?: number;
  s3PartSizeBytes?: number;
}

/**
 * Decides where the model comes from (S3, then a local path, then the URL), makes it available locally, and
 * validates its GGUF header before returning the path, so a bad file is an Error here and never a native
 * abort inside llama.cpp.
 */
export async function resolveModelPath(settings: ModelSourceSettings, log: ModelSourceLog): Promise<string> {
  const path = await obtainModel(settings, log);
  const summary = await validateGgufFile(path);
  log({
    event: 'model_validated',
    path,
    sizeBytes: summary.sizeBytes,
    architecture: summary.architecture,
    contextLength: summary.contextLength,
    blockCount: summary.blockCount,
    vocabularySize: summary.vocabularySize,
  });
  return path;
}

async function obtainModel(settings: ModelSourceSettings, log: ModelSourceLog): Promise<string> {
  const bucket = settings.s3Bucket?.trim();
  const key = settings.s3Key?.trim();
  if (bucket || key) {
    if (!bucket || !key) {
      throw new Error('LLM_MODEL_S3_BUCKET and LLM_MODEL_S3_KEY must be set together (only one of them is set)');
    }
    const versionId = settings.s3VersionId?.trim() || undefined;
    const sha256 = settings.modelSha256?.trim() || undefined;
    log({ event: 'model_source', source: 's3', location: `s3://${bucket}/${key}`, ...(versionId ? { versionId } : {}), verified: sha256 !== undefined });
    return downloadModelFromS3({
      bucket,
      key,
      ...(versionId ? { versionId } : {}),
      ...(sha256 ? { sha256 } : {}),
      ...(settings.s3Concurrency !== undefined ? { concurrency: settings.s3Concurrency } : {}),
      ...(settings.s3PartSizeBytes !== undefined ? { partSizeBytes: settings.s3PartSizeBytes } : {}),
    }, log);
  }

  if (settings.modelPath?.trim()) {
    const path = resolve(settings.modelPath.trim());
    const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
      throw new Error(error.code === 'ENOENT'
        ? `The model file ${path} (LLM_MODEL_PATH) does not exist`
        : `The model file ${path} (LLM_MODEL_PATH) cannot be read: ${error.message}`);
    });
    if (!info.isFile()) throw new Error(`The model path ${path} (LLM_MODEL_PATH) is not a file`);
    log({ event: 'model_source', source: 'file', path });
    return path;
  }

  if (!settings.modelUrl?.trim()) {
    throw new Error('No model configured: set LLM_MODEL_PATH, LLM_MODEL_S3_BUCKET with LLM_MODEL_S3_KEY, or LLM_MODEL_URL');
  }
  const url = settings.modelUrl.trim();
  // The pinned default is always verified, even when the caller passes no checksum for it.
  const sha256 = settings.modelSha256?.trim() || (url === DEFAULT_MODEL_URL ? DEFAULT_MODEL_SHA256 : undefined);
  log({ event: 'model_source', source: 'url' });
  return downloadModelFromUrl({ url, cacheDir: settings.cacheDir, ...(sha256 ? { sha256 } : {}) }, log);
}
