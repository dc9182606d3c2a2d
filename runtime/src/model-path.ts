import type { Config } from './config.js';
import { resolveModelPath } from './model-source/index.js';

/**
 * Finds the GGUF to serve (S3 object, local path or a download into the cache), validated before
 * llama.cpp ever opens it.
 */
export async function resolveModel(config: Config, log: (event: Record<string, unknown>) => void): Promise<string> {
  return resolveModelPath({
    modelPath: config.modelPath,
    modelUrl: config.modelUrl,
    modelSha256: config.modelSha256,
    cacheDir: config.modelCacheDir,
    s3Bucket: config.s3Bucket,
    s3Key: config.s3Key,
    s3VersionId: config.s3VersionId,
  }, log);
}
