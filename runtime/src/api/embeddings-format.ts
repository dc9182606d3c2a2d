import type { EncodingFormat } from './embeddings-request.js';

/**
 * The first `dimensions` components of a pooled vector, scaled to unit length (as OpenAI returns them and as
 * llama.cpp's server normalizes by default), in float32: the precision both encodings carry. The norm is taken
 * in double precision; a zero vector stays zero.
 */
export function unitVector(raw: readonly number[], dimensions: number): Float32Array {
  const out = new Float32Array(dimensions);
  let sum = 0;
  for (let i = 0; i < dimensions; i++) sum += raw[i] * raw[i];
  const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
  for (let i = 0; i < dimensions; i++) out[i] = raw[i] * scale;
  return out;
}

/** The shortest decimal that reads back as the same float32 (at most 9 significant digits instead of 17). */
function shortestFloat32(value: number): number {
  for (let digits = 6; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return candidate;
  }
  return Number(value.toPrecision(9));
}

/** `float`: a JSON array of numbers; `base64`: the little-endian float32 bytes, as OpenAI's SDKs decode them. */
export function encodeEmbedding(vector: Float32Array, format: EncodingFormat): number[] | string {
  if (format === 'float') return Array.from(vector, shortestFloat32);
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

/** OpenAI's embeddings response; `embeddings[i]` answers input i. */
export function embeddingList(model: string, embeddings: ReadonlyArray<number[] | string>, promptTokens: number) {
  return {
    object: 'list',
    data: embeddings.map((embedding, index) => ({ object: 'embedding', index, embedding })),
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  };
}
