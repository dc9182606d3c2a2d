import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

/** SHA-256 of a file as lower-case hex, streamed so a multi-gigabyte model never sits in memory. */
export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(path, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

/** Normalises a user-supplied checksum; throws a clear error for anything that is not 64 hex characters. */
export function parseSha256(value: string, what: string): string {
  const normalised = value.trim().toLowerCase().replace(/^sha256:/, '');
  if (!SHA256_HEX.test(normalised)) {
    throw new Error(`${what} must be a SHA-256 checksum of 64 hexadecimal characters, got ${JSON.stringify(value)}`);
  }
  return normalised;
}
