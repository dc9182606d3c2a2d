/** Vector arithmetic for the embedding tests: what a client does with the server's answers. */

/** Unit length in double precision (the server normalizes; node-llama-cpp returns the raw pooled vector). */
export function normalize(vector: readonly number[]): number[] {
  const length = norm(vector);
  return vector.map((value) => value / length);
}

export function norm(vector: readonly number[]): number {
  return Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
}

/** The largest difference between two vectors of the same length (Infinity when the lengths differ). */
export function maxDifference(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) return Infinity;
  return a.reduce((max, value, index) => Math.max(max, Math.abs(value - b[index])), 0);
}

/** OpenAI's base64 encoding: little-endian float32. */
export function decodeBase64(text: string): number[] {
  const bytes = Buffer.from(text, 'base64');
  return Array.from({ length: bytes.length / 4 }, (_, index) => bytes.readFloatLE(index * 4));
}
