import { invalidRequest } from '../http/api-error.js';
import type { ChatMessage, Sampling } from '../engine/types.js';
import { Fields } from './fields.js';
import type { RequestShape } from './request-shape.js';
import { normaliseJsonSchema } from './json-schema/index.js';
import { pairToolResults, type SentMessage } from './tool-history.js';
import { parseTools, pastToolCalls, type ToolRequest } from './tools.js';
import { ownValue } from '../own-property.js';

export type ResponseFormat =
  | { readonly type: 'text' }
  | { readonly type: 'json_object' }
  /** `schema` is already in node-llama-cpp's subset (json-schema/index.ts), never looser than the one sent. */
  | { readonly type: 'json_schema'; readonly schema: Readonly<Record<string, unknown>> };

/** Everything a generation route needs, validated; `messages` for chats, `prompt` for raw completions. */
export interface GenerationRequest {
  readonly messages?: readonly ChatMessage[];
  readonly prompt?: string;
  /** The field an oversized prompt is blamed on in a context_length_exceeded error. */
  readonly promptParam: 'messages' | 'prompt' | 'input';
  readonly requestedMaxTokens?: number;
  readonly stop: readonly string[];
  readonly sampling: Sampling;
  readonly responseFormat: ResponseFormat;
  readonly stream: boolean;
  readonly includeUsage: boolean;
  readonly includeReasoning: boolean;
  readonly maxReasoningTokens?: number;
  /** Chat requests that offer functions. */
  readonly tools?: ToolRequest;
}

const UINT32_MAX = 4_294_967_295;
export const TOKENS_MAX = 2_147_483_647;

/** The fields every generation route shares (OpenAI's names, plus the reasoning controls). */
function commonFields(fields: Fields): Omit<GenerationRequest, 'messages' | 'prompt' | 'promptParam' | 'tools'> {
  fields.string('model');
  fields.string('user');
  fields.unsupported('n', (value) => value === 1, 'it returns one choice per request (n = 1)');
  fields.unsupported('reasoning_effort', () => false, 'use max_reasoning_tokens (or reasoning.max_tokens) to bound the reasoning');
  const maxCompletionTokens = fields.integer('max_completion_tokens', 1, TOKENS_MAX);
  const maxTokens = fields.integer('max_tokens', 1, TOKENS_MAX);
  const stream = fields.boolean('stream') ?? false;
  const streamOptions = fields.object('stream_options');
  const includeUsage = streamOptions?.boolean('include_usage') ?? false;
  return {
    requestedMaxTokens: maxCompletionTokens ?? maxTokens,
    stop: fields.stop(),
    sampling: samplingFields(fields),
    responseFormat: responseFormat(fields),
    stream,
    includeUsage,
    ...reasoningControls(fields),
  };
}

/** OpenAI's sampling fields with OpenAI's defaults (temperature 1, top_p 1), plus top_k and seed. */
export function samplingFields(fields: Fields): Sampling {
  return {
    temperature: fields.number('temperature', 0, 2) ?? 1,
    topP: fields.number('top_p', 0, 1) ?? 1,
    topK: fields.integer('top_k', 0, 1_000_000),
    seed: fields.integer('seed', 0, UINT32_MAX),
    frequencyPenalty: fields.number('frequency_penalty', -2, 2),
    presencePenalty: fields.number('presence_penalty', -2, 2),
    logitBias: logitBias(fields),
  };
}

/**
 * OpenAI's logit_bias: {"<token id>": -100..100}, added to the token's logit (node-llama-cpp's token
 * bias); -100 bans the token. Ids beyond the vocabulary are refused once the model is known.
 */
function logitBias(fields: Fields): ReadonlyMap<number, number> | undefined {
  const bias = fields.object('logit_bias');
  if (bias === undefined) return undefined;
  const map = new Map<number, number>();
  for (const key of bias.keys()) {
    if (!/^\d{1,9}$/.test(key)) {
      throw invalidRequest(`'${bias.param(key)}': logit_bias keys must be token ids (whole numbers), got ${JSON.stringify(key)}.`, bias.param(key));
    }
    const value = bias.number(key, -100, 100);
    if (value !== undefined && value !== 0) map.set(Number(key), value);
  }
  return map;
}

/**
 * Reasoning controls. Flat `include_reasoning` / `max_reasoning_tokens`, or OpenRouter's
 * `reasoning: { exclude, max_tokens }`; the flat names win when both are given.
 */
export function reasoningControls(fields: Fields): { includeReasoning: boolean; maxReasoningTokens?: number } {
  const nested = fields.object('reasoning');
  const exclude = nested?.boolean('exclude');
  const nestedMax = nested?.integer('max_tokens', 0, TOKENS_MAX);
  const include = fields.boolean('include_reasoning');
  const max = fields.integer('max_reasoning_tokens', 0, TOKENS_MAX);
  return {
    includeReasoning: include ?? (exclude === undefined ? true : !exclude),
    maxReasoningTokens: max ?? nestedMax,
  };
}

function responseFormat(fields: Fields): ResponseFormat {
  return parseResponseFormat(fields.object('response_format'), 'chat');
}

/**
 * A response format: chat's `response_format` or the Responses API's `text.format` (json_schema's name, schema
 * and strict nested under `json_schema` in chat, flat in Responses). Absent means text.
 */
export function parseResponseFormat(format: Fields | undefined, shape: RequestShape): ResponseFormat {
  if (format === undefined) return { type: 'text' };
  const type = format.string('type', { required: true });
  if (type === 'text') return { type };
  if (type === 'json_object') return { type };
  if (type === 'json_schema') {
    const jsonSchema = shape === 'chat' ? format.object('json_schema', { required: true })! : format;
    jsonSchema.string('name');
    jsonSchema.string('description');
    jsonSchema.boolean('strict');
    jsonSchema.object('schema', { required: true });
    const schema = normaliseJsonSchema(jsonSchema.raw('schema') as Record<string, unknown>, jsonSchema.param('schema'));
    return { type, schema };
  }
  throw invalidRequest(`'${format.param('type')}' must be "text", "json_object" or "json_schema", got ${JSON.stringify(type)}.`, format.param('type'));
}

function messageContent(message: Fields, index: number, role: string): string {
  const param = `messages[${index}].content`;
  const content = message.raw('content');
  if (content === undefined) {
    if (role === 'assistant') return '';
    throw invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
  }
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) throw invalidRequest(`'${param}' must be a string or an array of text parts.`, param, 'invalid_type');
  return content.map((part, partIndex) => {
    const partParam = `${param}[${partIndex}]`;
    if (part === null || typeof part !== 'object' || Array.isArray(part)) {
      throw invalidRequest(`'${partParam}' must be an object like {"type": "text", "text": "..."}.`, partParam, 'invalid_type');
    }
    const partFields = new Fields(part as Record<string, unknown>, partParam);
    const type = partFields.string('type', { required: true });
    if (type !== 'text') {
      throw invalidRequest(`'${partFields.param('type')}' ${JSON.stringify(type)} is not supported: this model reads text parts only.`, partFields.param('type'), 'unsupported_parameter');
    }
    return partFields.string('text', { required: true })!;
  }).join('\n');
}

const ROLES: Readonly<Record<string, SentMessage['role']>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant', tool: 'tool' };

/** `messages`, validated, each tool result paired with the call it answers. */
function messages(fields: Fields): ChatMessage[] {
  const list = fields.array('messages');
  if (list === undefined) throw invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  if (list.length === 0) throw invalidRequest("'messages' must hold at least one message.", 'messages');
  return pairToolResults(list.map((item, index): SentMessage => {
    const param = `messages[${index}]`;
    if (item === null || typeof item !== 'object' || Array.isArray(item)) {
      throw invalidRequest(`'${param}' must be an object with "role" and "content".`, param, 'invalid_type');
    }
    const message = new Fields(item as Record<string, unknown>, param);
    const roleName = message.string('role', { required: true })!;
    const role = ownValue(ROLES, roleName);
    if (role === undefined) {
      throw invalidRequest(`'${message.param('role')}' must be "system", "developer", "user", "assistant" or "tool", got ${JSON.stringify(roleName)}.`, message.param('role'), 'invalid_value');
    }
    if (role === 'tool') {
      const toolCallId = message.string('tool_call_id', { required: true, nonEmpty: true })!;
      return { role, content: messageContent(message, index, role), toolCallId, param: message.param('tool_call_id') };
    }
    if (role === 'assistant') return { role, content: messageContent(message, index, role), toolCalls: pastToolCalls(message) };
    message.unsupported('tool_calls', (value) => Array.isArray(value) && value.length === 0, 'only assistant messages carry tool calls');
    return { role, content: messageContent(message, index, role) };
  }));
}

export function parseChatRequest(body: Record<string, unknown>): GenerationRequest {
  const fields = new Fields(body);
  fields.unsupported('functions', (value) => Array.isArray(value) && value.length === 0, 'the legacy "functions" field is not supported; use "tools"');
  fields.unsupported('function_call', (value) => value === 'none' || value === 'auto', 'the legacy "function_call" field is not supported; use "tool_choice"');
  fields.unsupported('logprobs', (value) => value === false, 'log probabilities are not returned');
  fields.unsupported('top_logprobs', (value) => value === 0, 'log probabilities are not returned');
  const tools = parseTools(fields);
  const list = messages(fields);
  const common = commonFields(fields);
  if (tools.choice !== 'none' && common.responseFormat.type !== 'text') {
    throw invalidRequest("'response_format' cannot be combined with tools: node-llama-cpp constrains either the answer or the function calls. Use tool_choice \"none\" or drop response_format.",
      'response_format', 'unsupported_parameter');
  }
  return { messages: list, promptParam: 'messages', ...common, ...(tools.functions.length > 0 ? { tools } : {}) };
}

export function parseCompletionRequest(body: Record<string, unknown>): GenerationRequest {
  const fields = new Fields(body);
  fields.unsupported('echo', (value) => value === false, 'the prompt is not echoed');
  fields.unsupported('suffix', (value) => value === '', 'insertion (suffix) is not supported');
  fields.unsupported('best_of', (value) => value === 1, 'it returns one choice per request (best_of = 1)');
  fields.unsupported('logprobs', (value) => value === 0, 'log probabilities are not returned');
  const raw = fields.raw('prompt');
  let prompt: string;
  if (typeof raw === 'string') prompt = raw;
  else if (Array.isArray(raw) && raw.length === 1 && typeof raw[0] === 'string') prompt = raw[0];
  else if (raw === undefined) throw invalidRequest("Missing required parameter: 'prompt'.", 'prompt', 'missing_required_parameter');
  else throw invalidRequest("'prompt' must be a string (or an array holding exactly one string).", 'prompt', 'invalid_type');
  if (prompt === '') throw invalidRequest("'prompt' must not be empty.", 'prompt');
  return { prompt, promptParam: 'prompt', ...commonFields(fields) };
}

/** The original project's contract: {"prompt": "..."} is one user turn in the model's chat template. */
export function parseSeedRequest(body: Record<string, unknown>): GenerationRequest {
  const fields = new Fields(body);
  const prompt = fields.string('prompt', { required: true, nonEmpty: true })!;
  const system = fields.string('system');
  const messages: ChatMessage[] = system === undefined
    ? [{ role: 'user', content: prompt }]
    : [{ role: 'system', content: system }, { role: 'user', content: prompt }];
  return { messages, promptParam: 'prompt', ...commonFields(fields) };
}
