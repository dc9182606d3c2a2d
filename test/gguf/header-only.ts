/**
 * Metadata-only GGUF files, for tests of code that reads headers (the construct's tuner, the runtime's
 * model validator). Same encoder as the model builders, zero tensors, optional trailing bytes standing in
 * for tensor data. llama.cpp cannot run them; they exist to be read, refused or copied.
 */
import * as fs from 'fs';
import * as path from 'path';
import { GgufValue, GgufWriter } from './gguf-writer';
import { validateLlamaCppKeys } from './metadata-check';

/** Key/values in the order they are written. */
export type GgufMetadata = Readonly<Record<string, GgufValue>>;

export interface HeaderOnlyOptions {
  /** Appended after the header (which is padded to 32 bytes), e.g. a payload for a download to move. */
  readonly trailingBytes?: Uint8Array;
  /**
   * Write the metadata even though llama.cpp would refuse it (a required key missing or mistyped, another
   * architecture's key set): for tests of code that must reject or tolerate such headers.
   * By default the keys must pass the same check as the model builders' files.
   */
  readonly skipMetadataCheck?: boolean;
}

/** The bytes of a metadata-only GGUF v3 file. */
export function ggufHeaderOnlyBytes(metadata: GgufMetadata, options: HeaderOnlyOptions = {}): Buffer {
  const writer = new GgufWriter();
  for (const [key, value] of Object.entries(metadata)) writer.set(key, value);
  if (!options.skipMetadataCheck) validateLlamaCppKeys(writer);
  const { bytes } = writer.header();
  return options.trailingBytes ? Buffer.concat([bytes, options.trailingBytes]) : bytes;
}

/** Writes a metadata-only GGUF v3 file (see {@link ggufHeaderOnlyBytes}) and returns its path. */
export function writeGgufHeaderOnly(file: string, metadata: GgufMetadata, options: HeaderOnlyOptions = {}): string {
  const bytes = ggufHeaderOnlyBytes(metadata, options);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
  return file;
}
