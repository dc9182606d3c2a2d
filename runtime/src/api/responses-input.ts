import type { ChatMessage } from '../engine/types.js';
import { invalidRequest } from '../http/api-error.js';
import { ownValue } from '../own-property.js';
import { Fields } from './fields.js';
import { pairToolResults, type SentMessage, type SentToolCall } from './tool-history.js';
import { callArguments } from './tools.js';

/** Ids of the reasoning items this server returns (and clients pass back, or reference). */
export const REASONING_ITEM_PREFIX = 'rs_';

const ROLES: Readonly<Record<string, 'system' | 'user' | 'assistant'>> = { system: 'system', developer: 'system', user: 'user', assistant: 'assistant' };

/** Content parts that carry text, by the field that holds it. */
const TEXT_PARTS: Readonly<Record<string, string>> = { input_text: 'text', output_text: 'text', refusal: 'refusal' };

const describe = (value: unknown): string => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value);

/**
 * The Responses API's `instructions` and `input` as a conversation: `input` is a string (one user message) or a list
 * of items, in order. Messages keep their role (`developer` reads as system) and text; `function_call` items become
 * the calls of an assistant turn and `function_call_output` items their results, paired by position like chat's tool
 * messages. Reasoning items passed back are dropped: chat templates leave earlier reasoning out of the prompt (as
 * DeepSeek-R1's does), so they would not reach the model anyway. Nothing is stored between requests, so an
 * `item_reference` can only name a reasoning item (dropped likewise); any other is refused, saying how to send the
 * item itself.
 */
export function responsesConversation(fields: Fields): ChatMessage[] {
  const sent: SentMessage[] = [];
  const instructions = fields.string('instructions');
  if (instructions !== undefined && instructions !== '') sent.push({ role: 'system', content: instructions });
  const input = fields.raw('input');
  if (input === undefined) throw invalidRequest("Missing required parameter: 'input'.", 'input', 'missing_required_parameter');
  if (typeof input === 'string') {
    if (input === '') throw invalidRequest("'input' must not be empty.", 'input');
    sent.push({ role: 'user', content: input });
  } else if (Array.isArray(input)) {
    if (input.length === 0) throw invalidRequest("'input' must hold at least one item.", 'input');
    input.forEach((item, index) => addItem(sent, item, `input[${index}]`));
  } else {
    throw invalidRequest(`'input' must be a string or an array of items, got ${describe(input)}.`, 'input', 'invalid_type');
  }
  if (!sent.some((message) => message.role !== 'system')) {
    throw invalidRequest("'input' holds no message or tool output to answer.", 'input');
  }
  return pairToolResults(sent);
}

function addItem(sent: SentMessage[], item: unknown, param: string): void {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    throw invalidRequest(`'${param}' must be an object (a message or an item), got ${describe(item)}.`, param, 'invalid_type');
  }
  const fields = new Fields(item as Record<string, unknown>, param);
  const type = fields.string('type') ?? 'message';
  switch (type) {
    case 'message':
      sent.push(message(fields));
      return;
    case 'function_call':
      addCall(sent, call(fields));
      return;
    case 'function_call_output':
      sent.push({ role: 'tool', content: textOf(fields, 'output'), toolCallId: fields.string('call_id', { required: true, nonEmpty: true })!, param: fields.param('call_id') });
      return;
    case 'reasoning':
      return;
    case 'item_reference': {
      const id = fields.string('id', { required: true, nonEmpty: true })!;
      if (id.startsWith(REASONING_ITEM_PREFIX)) return;
      throw invalidRequest(`'${fields.param('id')}' references ${JSON.stringify(id)}, but this server stores nothing between requests: ` +
        'send the item itself (with the Vercel AI SDK, set providerOptions.openai.store to false).', fields.param('id'), 'unsupported_parameter');
    }
    default:
      throw invalidRequest(`'${fields.param('type')}' ${JSON.stringify(type)} is not supported: input items are messages, function_call, ` +
        'function_call_output, reasoning and references to reasoning items.', fields.param('type'), 'unsupported_parameter');
  }
}

function message(fields: Fields): SentMessage {
  const roleName = fields.string('role', { required: true })!;
  const role = ownValue(ROLES, roleName);
  if (role === undefined) {
    throw invalidRequest(`'${fields.param('role')}' must be "system", "developer", "user" or "assistant", got ${JSON.stringify(roleName)}.`, fields.param('role'));
  }
  const content = textOf(fields, 'content');
  return role === 'assistant' ? { role, content, toolCalls: [] } : { role, content };
}

function call(fields: Fields): SentToolCall {
  return {
    id: fields.string('call_id', { required: true, nonEmpty: true })!,
    name: fields.string('name', { required: true, nonEmpty: true })!,
    params: callArguments(fields, 'arguments'),
    param: fields.param('call_id'),
  };
}

/** A call joins the assistant turn right before it (the model's text, then its calls), else starts a turn of its own. */
function addCall(sent: SentMessage[], toolCall: SentToolCall): void {
  const last = sent.at(-1);
  if (last?.role === 'assistant') sent[sent.length - 1] = { ...last, toolCalls: [...last.toolCalls, toolCall] };
  else sent.push({ role: 'assistant', content: '', toolCalls: [toolCall] });
}

/** A message's content or a call's output: a string, or a list of text parts (`input_text`, `output_text`, `refusal`). */
function textOf(fields: Fields, name: string): string {
  const value = fields.raw(name);
  if (typeof value === 'string') return value;
  if (value === undefined) throw invalidRequest(`Missing required parameter: '${fields.param(name)}'.`, fields.param(name), 'missing_required_parameter');
  if (!Array.isArray(value)) throw invalidRequest(`'${fields.param(name)}' must be a string or an array of text parts, got ${describe(value)}.`, fields.param(name), 'invalid_type');
  return value.map((part, index) => {
    const param = `${fields.param(name)}[${index}]`;
    if (part === null || typeof part !== 'object' || Array.isArray(part)) {
      throw invalidRequest(`'${param}' must be an object like {"type": "input_text", "text": "..."}.`, param, 'invalid_type');
    }
    const partFields = new Fields(part as Record<string, unknown>, param);
    const type = partFields.string('type', { required: true })!;
    const textField = ownValue(TEXT_PARTS, type);
    if (textField === undefined) {
      throw invalidRequest(`'${partFields.param('type')}' ${JSON.stringify(type)} is not supported: this model reads text parts only.`, partFields.param('type'), 'unsupported_parameter');
    }
    return partFields.string(textField, { required: true })!;
  }).join('\n');
}
