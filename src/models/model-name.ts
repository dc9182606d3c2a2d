import * as path from 'path';
import { sanitizeModelId } from '../prop-validation';
import { EmbeddingPooling } from './embedding-pooling';
import { DeclaredKind } from './embedding-traits';
import { LlmModelSizeOptions } from './llm-model';
import { LlmModelKind } from './llm-model-kind';

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

/** What a source told about its model's kind, checked: the embedding options need `kind: LlmModelKind.EMBEDDING`. */
export function declaredKind(source: string, options: LlmModelSizeOptions): DeclaredKind {
  const kind = options.kind ?? LlmModelKind.GENERATION;
  if (kind !== LlmModelKind.EMBEDDING) {
    for (const name of ['embeddingPooling', 'vocabularySize'] as const) {
      if (options[name] !== undefined) throw new Error(`${source}: ${name} applies to embedding models; set kind: LlmModelKind.EMBEDDING as well`);
    }
    return { kind };
  }
  if (options.vocabularySize !== undefined && (!Number.isInteger(options.vocabularySize) || options.vocabularySize <= 0)) {
    throw new Error(`${source}: vocabularySize ${options.vocabularySize} is not a positive whole number of tokens (for example 151669 for Qwen3-Embedding)`);
  }
  return {
    kind,
    ...(options.embeddingPooling !== undefined ? { traits: { wholeInputBatches: options.embeddingPooling !== EmbeddingPooling.LAST } } : {}),
    ...(options.vocabularySize !== undefined ? { vocabularySize: options.vocabularySize } : {}),
  };
}
