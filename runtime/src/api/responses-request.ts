import { invalidRequest } from '../http/api-error.js';
import { Fields } from './fields.js';
import { parseResponseFormat, reasoningControls, samplingFields, TOKENS_MAX, type GenerationRequest } from './generation-request.js';
import { responsesConversation } from './responses-input.js';
import { parseTools, type ToolChoice, type ToolRequest } from './tools.js';

/** What a Responses API response repeats of its request (the Response object's request fields). */
export interface ResponsesEcho {
  readonly instructions: string | null;
  readonly metadata: Readonly<Record<string, string>>;
  readonly tools: ToolRequest | undefined;
  readonly maxOutputTokens: number | null;
  readonly temperature: number;
  readonly topP: number;
  /** `text.format` as sent (the schema before it was rewritten for the grammar). */
  readonly format: Readonly<Record<string, unknown>>;
  readonly user?: string;
}

export interface ResponsesRequest {
  readonly generation: GenerationRequest;
  readonly echo: ResponsesEcho;
}

/** `include` values that ask for nothing this server could add: accepted and ignored. */
const HARMLESS_INCLUDES = new Set(['reasoning.encrypted_content']);

const METADATA_MAX_KEYS = 16;

/**
 * POST /v1/responses, stateless. Fields follow the rule chat completions follow: what changes nothing here is
 * accepted (`store`, which is echoed as false since nothing is kept; `service_tier`, `prompt_cache_key`,
 * `safety_identifier`, `truncation`, `reasoning.summary`, `text.verbosity`), what would need state or change the
 * answer in a way this server cannot is refused by name (`previous_response_id`, `conversation`, `background`,
 * `prompt`, `max_tool_calls`, `reasoning.effort`, hosted tools, non-text inputs).
 */
export function parseResponsesRequest(body: Record<string, unknown>): ResponsesRequest {
  const fields = new Fields(body);
  fields.string('model');
  const user = fields.string('user');
  fields.boolean('store');
  refuseState(fields);
  fields.unsupported('background', (value) => value === false, 'responses are answered while the request waits (no background mode)');
  fields.unsupported('prompt', () => false, 'stored prompt templates live on OpenAI\'s servers; send the text as input');
  fields.unsupported('max_tool_calls', () => false, 'use parallel_tool_calls: false to allow one call per turn');
  fields.unsupported('top_logprobs', (value) => value === 0, 'log probabilities are not returned');
  checkIncludes(fields);
  const truncation = fields.string('truncation');
  if (truncation !== undefined && truncation !== 'auto' && truncation !== 'disabled') {
    throw invalidRequest(`'truncation' must be "auto" or "disabled", got ${JSON.stringify(truncation)}.`, 'truncation');
  }
  const reasoning = fields.object('reasoning');
  reasoning?.unsupported('effort', () => false, 'the model reasons as it was trained to; bound it with reasoning.max_tokens (or max_reasoning_tokens)');
  reasoning?.string('summary');

  const tools = parseTools(fields, 'responses');
  const messages = responsesConversation(fields);
  const text = fields.object('text');
  text?.string('verbosity');
  const format = parseResponseFormat(text?.object('format'), 'responses');
  if (tools.choice !== 'none' && tools.functions.length > 0 && format.type !== 'text') {
    throw invalidRequest("'text.format' cannot be combined with tools: node-llama-cpp constrains either the answer or the function calls. Use tool_choice \"none\" or drop text.format.",
      'text.format', 'unsupported_parameter');
  }
  const maxOutputTokens = fields.integer('max_output_tokens', 1, TOKENS_MAX);
  const sampling = samplingFields(fields);
  const stream = fields.boolean('stream') ?? false;
  fields.object('stream_options');
  const generation: GenerationRequest = {
    messages,
    promptParam: 'input',
    requestedMaxTokens: maxOutputTokens,
    stop: [],
    sampling,
    responseFormat: format,
    stream,
    includeUsage: true,
    ...reasoningControls(fields),
    ...(tools.functions.length > 0 ? { tools } : {}),
  };
  return {
    generation,
    echo: {
      instructions: fields.string('instructions') ?? null,
      metadata: metadata(fields),
      tools: tools.functions.length > 0 ? tools : undefined,
      maxOutputTokens: maxOutputTokens ?? null,
      temperature: sampling.temperature,
      topP: sampling.topP,
      format: (text?.raw('format') as Record<string, unknown> | undefined) ?? { type: 'text' },
      user,
    },
  };
}

/** A Lambda function keeps nothing between requests, so nothing can be continued. */
function refuseState(fields: Fields): void {
  for (const name of ['previous_response_id', 'conversation']) {
    if (fields.has(name)) {
      throw invalidRequest(`'${name}' is not supported: this server keeps no state between requests (each may run in another Lambda environment). ` +
        'Send the whole conversation as input, including the output items of earlier responses.', name, 'unsupported_parameter');
    }
  }
}

function checkIncludes(fields: Fields): void {
  (fields.array('include') ?? []).forEach((value, index) => {
    if (typeof value !== 'string' || !HARMLESS_INCLUDES.has(value)) {
      throw invalidRequest(`'include[${index}]' ${JSON.stringify(value)} is not supported: this server adds no extra output data.`, `include[${index}]`, 'unsupported_parameter');
    }
  });
}

/** OpenAI's metadata: up to 16 string values, echoed back. */
function metadata(fields: Fields): Record<string, string> {
  const map = fields.object('metadata');
  if (map === undefined) return {};
  const keys = map.keys();
  if (keys.length > METADATA_MAX_KEYS) throw invalidRequest(`'metadata' holds ${keys.length} keys; at most ${METADATA_MAX_KEYS} are allowed.`, 'metadata');
  return Object.fromEntries(keys.map((key) => {
    if (key.length > 64) throw invalidRequest(`'metadata' key ${JSON.stringify(key.slice(0, 80))} is longer than 64 characters.`, 'metadata');
    const value = map.string(key, { required: true })!;
    if (value.length > 512) throw invalidRequest(`'${map.param(key)}' is longer than 512 characters.`, map.param(key));
    return [key, value];
  }));
}

/** tool_choice as the Responses API writes it. */
export function toolChoiceObject(choice: ToolChoice): string | { type: 'function'; name: string } {
  return typeof choice === 'string' ? choice : { type: 'function', name: choice.name };
}
