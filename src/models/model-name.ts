import * as path from 'path';
import { sanitizeModelId } from '../prop-validation';

/** A model id from a file name or URL path: the base name without query, fragment or `.gguf`. */
export function modelIdFromName(name: string): string {
  const base = path.posix.basename(name.split(/[?#]/)[0]);
  return sanitizeModelId(base.replace(/\.gguf$/i, ''));
}

/** Bytes of a `Size`, rejecting tokens and non-positive values with a message naming `prop`. */
export function positiveBytes(prop: string, bytes: number): number {
  if (!Number.isFinite(bytes) || bytes <= 0) {
    throw new Error(`${prop}: ${bytes} bytes is not a model size (it must be a positive size such as Size.gibibytes(1.1))`);
  }
  return bytes;
}

/** Validates an optional kvCacheBytesPerToken override. */
export function optionalKvBytesPerToken(value: number | undefined): number | undefined {
  if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
    throw new Error(`kvCacheBytesPerToken: ${value} is not a positive whole number of bytes (for example 28672 for DeepSeek-R1-Distill-Qwen-1.5B)`);
  }
  return value;
}
