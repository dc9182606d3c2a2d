import type { Token } from 'node-llama-cpp';
import type { EmbeddingInput } from '../api/embeddings-request.js';
import type { EmbeddingEngine } from '../engine/embedding-engine.js';
import { ApiError, invalidRequest } from '../http/api-error.js';

/** The inputs as the model will evaluate them. */
export interface PreparedInputs {
  readonly tokens: ReadonlyArray<readonly Token[]>;
  /** Tokens evaluated over all inputs, BOS/EOS included: `usage.prompt_tokens`. */
  readonly promptTokens: number;
  /** Inputs cut to fit the context (truncation opted into). */
  readonly truncated: number;
}

function tooLong(param: string, tokens: number, engine: EmbeddingEngine): ApiError {
  return new ApiError(400,
    `'${param}' is ${tokens} tokens, but this model embeds at most ${engine.maxInputTokens} tokens per input (its context is ${engine.contextSize}). ` +
    'Shorten the input, or send "truncate": true to embed its beginning.',
    'invalid_request_error', 'context_length_exceeded', param);
}

/**
 * Tokenizes text inputs, checks token-id inputs against the vocabulary, and checks every input against the
 * context: one that does not fit is a 400 naming it, or, with truncation, its beginning is kept.
 */
export function prepareInputs(engine: EmbeddingEngine, inputs: readonly EmbeddingInput[], truncate: boolean): PreparedInputs {
  const vocabularySize = engine.vocabularySize;
  let promptTokens = 0;
  let truncated = 0;
  const tokens = inputs.map((input) => {
    const { param } = input;
    let ids: readonly Token[];
    if ('text' in input) {
      ids = engine.tokenize(input.text);
    } else {
      const unknown = input.tokens.findIndex((id) => id >= vocabularySize);
      if (unknown >= 0) {
        throw invalidRequest(`'${param}[${unknown}]' is token ${input.tokens[unknown]}, but this model's token ids go from 0 to ${vocabularySize - 1}.`, `${param}[${unknown}]`);
      }
      ids = input.tokens as readonly Token[];
    }
    let length = engine.inputTokens(ids);
    if (length > engine.maxInputTokens) {
      if (!truncate) throw tooLong(param, length, engine);
      ids = engine.fitToContext(ids);
      length = engine.inputTokens(ids);
      truncated += 1;
    }
    promptTokens += length;
    return ids;
  });
  return { tokens, promptTokens, truncated };
}
