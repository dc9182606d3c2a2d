const SHA256_PATTERN = /^[0-9a-fA-F]{64}$/;

/** A SHA-256 given by the user, lower-cased; throws naming `prop` when it is not 64 hexadecimal characters. */
export function parseSha256(prop: string, value: string): string {
  if (!SHA256_PATTERN.test(value)) {
    throw new Error(`${prop} ${JSON.stringify(value)} is not a SHA-256 (expected 64 hexadecimal characters, got ${value.length} characters)`);
  }
  return value.toLowerCase();
}
