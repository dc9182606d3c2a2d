import { invalidRequest } from '../http/api-error.js';
import { Fields } from './fields.js';

/** OpenAI's limit on the inputs of one request. */
export const MAX_EMBEDDING_INPUTS = 2048;

/**
 * One input as the client sent it: text to tokenize, or token ids to use as they are, with the name errors give
 * it (`input` for a bare input, `input[i]` in a list).
 */
export type EmbeddingInput = ({ readonly text: string } | { readonly tokens: readonly number[] }) & { readonly param: string };

export type EncodingFormat = 'float' | 'base64';

/** POST /v1/embeddings, validated. */
export interface EmbeddingsRequest {
  /** In the client's order; `data[i].index` refers to it. */
  readonly inputs: readonly EmbeddingInput[];
  readonly encodingFormat: EncodingFormat;
  /** Keep the first n components and renormalize (OpenAI's `dimensions`); checked against the model once it is known. */
  readonly dimensions?: number;
  /** Cut inputs longer than the context instead of refusing them; undefined: the server's default (LLM_EMBEDDINGS_TRUNCATE). */
  readonly truncate?: boolean;
}

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;

const INPUT_SHAPES = 'a string, an array of strings, an array of token ids, or an array of arrays of token ids';

function isTokenId(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

function tokenIds(list: readonly unknown[], param: string): number[] {
  if (list.length === 0) throw invalidRequest(`'${param}' must hold at least one token id.`, param);
  list.forEach((item, index) => {
    if (!isTokenId(item)) throw invalidRequest(`'${param}[${index}]' must be a token id (a whole number from 0), got ${describe(item)}.`, `${param}[${index}]`, 'invalid_type');
  });
  return list as number[];
}

function text(value: string, param: string): EmbeddingInput {
  if (value === '') throw invalidRequest(`'${param}' must not be empty.`, param);
  return { text: value, param };
}

/**
 * OpenAI's four shapes of `input`. An array's first item decides its shape (strings, token ids or arrays of token
 * ids); an item of another kind is a 400 naming it.
 */
function inputs(fields: Fields): EmbeddingInput[] {
  const raw = fields.raw('input');
  if (raw === undefined) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (typeof raw === 'string') return [text(raw, 'input')];
  if (!Array.isArray(raw)) throw invalidRequest(`'input' must be ${INPUT_SHAPES}, got ${describe(raw)}.`, 'input', 'invalid_type');
  if (raw.length === 0) throw invalidRequest("'input' must hold at least one input.", 'input');
  if (isTokenId(raw[0])) return [{ tokens: tokenIds(raw, 'input'), param: 'input' }];
  if (raw.length > MAX_EMBEDDING_INPUTS) {
    throw invalidRequest(`'input' holds ${raw.length} inputs; at most ${MAX_EMBEDDING_INPUTS} are allowed in one request.`, 'input');
  }
  const nested = Array.isArray(raw[0]);
  return raw.map((item, index): EmbeddingInput => {
    const param = `input[${index}]`;
    if (nested) {
      if (!Array.isArray(item)) throw invalidRequest(`'${param}' must be an array of token ids like the inputs before it, got ${describe(item)}.`, param, 'invalid_type');
      return { tokens: tokenIds(item, param), param };
    }
    if (typeof item !== 'string') throw invalidRequest(`'${param}' must be a string like the inputs before it, got ${describe(item)}.`, param, 'invalid_type');
    return text(item, param);
  });
}

export function parseEmbeddingsRequest(body: Record<string, unknown>): EmbeddingsRequest {
  const fields = new Fields(body);
  fields.string('model');
  fields.string('user');
  const format = fields.string('encoding_format') ?? 'float';
  if (format !== 'float' && format !== 'base64') {
    throw invalidRequest(`'encoding_format' must be "float" or "base64", got ${JSON.stringify(format)}.`, 'encoding_format');
  }
  const dimensions = fields.integer('dimensions', 1, Number.MAX_SAFE_INTEGER);
  const truncate = fields.boolean('truncate');
  return {
    inputs: inputs(fields),
    encodingFormat: format,
    ...(dimensions !== undefined ? { dimensions } : {}),
    ...(truncate !== undefined ? { truncate } : {}),
  };
}
