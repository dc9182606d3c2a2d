import { freshRandomBytes } from '../entropy.js';

/** OpenAI's finish reasons that this server produces. */
export type FinishReason = 'stop' | 'length';

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly completion_tokens_details?: { readonly reasoning_tokens: number };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Ids shaped like OpenAI's: a prefix and 29 random letters and digits. */
export function responseId(prefix: 'chatcmpl' | 'cmpl'): string {
  const bytes = freshRandomBytes(29);
  let id = '';
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return `${prefix}-${id}`;
}

export const unixSeconds = (): number => Math.floor(Date.now() / 1000);

export function usage(promptTokens: number, completionTokens: number, reasoningTokens?: number): Usage {
  return {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
    ...(reasoningTokens === undefined ? {} : { completion_tokens_details: { reasoning_tokens: reasoningTokens } }),
  };
}

/** The identity every chunk and response of one request repeats. */
export interface Envelope {
  readonly id: string;
  readonly created: number;
  readonly model: string;
}

export function chatCompletion(envelope: Envelope, content: string, reasoning: string | undefined,
  finishReason: FinishReason, usageValue: Usage) {
  return {
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{
      index: 0,
      message: {
        role: 'assistant',
        content,
        ...(reasoning === undefined ? {} : { reasoning_content: reasoning }),
        refusal: null,
      },
      logprobs: null,
      finish_reason: finishReason,
    }],
    usage: usageValue,
  };
}

export function chatChunk(envelope: Envelope, delta: Record<string, string>, finishReason: FinishReason | null,
  withUsageField: boolean) {
  return {
    id: envelope.id,
    object: 'chat.completion.chunk',
    created: envelope.created,
    model: envelope.model,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    ...(withUsageField ? { usage: null } : {}),
  };
}

export function chatUsageChunk(envelope: Envelope, usageValue: Usage) {
  return {
    id: envelope.id,
    object: 'chat.completion.chunk',
    created: envelope.created,
    model: envelope.model,
    choices: [],
    usage: usageValue,
  };
}

export function textCompletion(envelope: Envelope, text: string, finishReason: FinishReason | null, usageValue?: Usage | null) {
  return {
    id: envelope.id,
    object: 'text_completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{ text, index: 0, logprobs: null, finish_reason: finishReason }],
    ...(usageValue === undefined ? {} : { usage: usageValue }),
  };
}

export function textUsageChunk(envelope: Envelope, usageValue: Usage) {
  return {
    id: envelope.id,
    object: 'text_completion',
    created: envelope.created,
    model: envelope.model,
    choices: [],
    usage: usageValue,
  };
}
