import { freshRandomBytes } from '../entropy.js';

/** OpenAI's finish reasons that this server produces. */
export type FinishReason = 'stop' | 'length' | 'tool_calls';

export interface Usage {
  readonly prompt_tokens: number;
  readonly completion_tokens: number;
  readonly total_tokens: number;
  readonly completion_tokens_details?: { readonly reasoning_tokens: number };
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/** Ids shaped like OpenAI's: a prefix and 29 random letters and digits. */
export function responseId(prefix: 'chatcmpl' | 'cmpl'): string {
  return `${prefix}-${randomText(29)}`;
}

/** The Responses API's ids: `resp_`, `msg_`, `rs_`, `fc_` and 48 hexadecimal digits. */
export function itemId(prefix: 'resp' | 'msg' | 'rs' | 'fc'): string {
  return `${prefix}_${freshRandomBytes(24).toString('hex')}`;
}

/** A tool call's id, shaped like OpenAI's (`call_` and 24 letters and digits). */
export function toolCallId(): string {
  return `call_${randomText(24)}`;
}

function randomText(length: number): string {
  let text = '';
  for (const byte of freshRandomBytes(length)) text += ALPHABET[byte % ALPHABET.length];
  return text;
}

/** OpenAI's `message.tool_calls[i]`. */
export interface ToolCallObject {
  readonly id: string;
  readonly type: 'function';
  readonly function: { readonly name: string; readonly arguments: string };
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
  finishReason: FinishReason, usageValue: Usage, toolCalls: readonly ToolCallObject[] = []) {
  return {
    id: envelope.id,
    object: 'chat.completion',
    created: envelope.created,
    model: envelope.model,
    choices: [{
      index: 0,
      message: {
        role: 'assistant',
        // OpenAI sends null content when the model only called tools.
        content: toolCalls.length > 0 && content === '' ? null : content,
        ...(reasoning === undefined ? {} : { reasoning_content: reasoning }),
        ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        refusal: null,
      },
      logprobs: null,
      finish_reason: finishReason,
    }],
    usage: usageValue,
  };
}

export function chatChunk(envelope: Envelope, delta: Readonly<Record<string, unknown>>, finishReason: FinishReason | null,
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
