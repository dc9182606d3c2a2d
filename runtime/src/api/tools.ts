import { invalidRequest } from '../http/api-error.js';
import type { ChatMessage, PastToolCall, ToolFunction } from '../engine/types.js';
import { Fields } from './fields.js';
import { normaliseJsonSchema, WorkBudget } from './json-schema/index.js';

/** OpenAI's tool_choice: none, auto, required, or one named function. */
export type ToolChoice = 'none' | 'auto' | 'required' | { readonly name: string };

/** The tools of a chat request, validated against each other (a named choice exists in `tools`). */
export interface ToolRequest {
  readonly functions: readonly ToolFunction[];
  readonly choice: ToolChoice;
  readonly parallel: boolean;
}

const FUNCTION_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

function toolFunction(item: unknown, index: number, budget: WorkBudget): ToolFunction {
  const param = `tools[${index}]`;
  if (!isObject(item)) throw invalidRequest(`'${param}' must be an object like {"type": "function", "function": {...}}.`, param, 'invalid_type');
  const tool = new Fields(item, param);
  const type = tool.string('type', { required: true });
  if (type !== 'function') throw invalidRequest(`'${tool.param('type')}' must be "function", got ${JSON.stringify(type)}.`, tool.param('type'));
  const fn = tool.object('function', { required: true })!;
  const name = fn.string('name', { required: true })!;
  if (!FUNCTION_NAME.test(name)) {
    throw invalidRequest(`'${fn.param('name')}' must be 1 to 64 letters, digits, underscores or dashes, got ${JSON.stringify(name)}.`, fn.param('name'));
  }
  const description = fn.string('description');
  fn.boolean('strict');
  fn.object('parameters');
  const sent = fn.raw('parameters') as Record<string, unknown> | undefined;
  // The prompt's function documentation and the call's grammar both come from the normalised schema.
  const parameters = sent === undefined ? undefined : normaliseJsonSchema(sent, fn.param('parameters'), budget);
  return { name, description, parameters };
}

function toolChoice(fields: Fields, functions: readonly ToolFunction[]): ToolChoice {
  const raw = fields.raw('tool_choice');
  if (raw === undefined) return functions.length > 0 ? 'auto' : 'none';
  if (raw === 'none' || raw === 'auto' || raw === 'required') {
    if (raw === 'required' && functions.length === 0) {
      throw invalidRequest("'tool_choice' is \"required\" but 'tools' offers no function.", 'tool_choice');
    }
    return raw;
  }
  if (!isObject(raw)) {
    throw invalidRequest(`'tool_choice' must be "none", "auto", "required" or {"type": "function", "function": {"name": ...}}, got ${JSON.stringify(raw)}.`, 'tool_choice', 'invalid_type');
  }
  const choice = fields.object('tool_choice')!;
  const type = choice.string('type', { required: true });
  if (type !== 'function') throw invalidRequest(`'${choice.param('type')}' must be "function", got ${JSON.stringify(type)}.`, choice.param('type'));
  const fn = choice.object('function', { required: true })!;
  const name = fn.string('name', { required: true })!;
  if (!functions.some((each) => each.name === name)) {
    throw invalidRequest(`'${fn.param('name')}' names ${JSON.stringify(name)}, which is not a function in 'tools'.`, fn.param('name'));
  }
  return { name };
}

/** `tools`, `tool_choice` and `parallel_tool_calls` of a chat request (the legacy `functions` stays refused). */
export function parseTools(fields: Fields): ToolRequest {
  const list = fields.array('tools') ?? [];
  // One budget for all the functions: many small schemas cost what one big one does.
  const budget = new WorkBudget();
  const functions = list.map((item, index) => toolFunction(item, index, budget));
  const seen = new Set<string>();
  functions.forEach((fn, index) => {
    if (seen.has(fn.name)) throw invalidRequest(`'tools[${index}].function.name' repeats ${JSON.stringify(fn.name)}.`, `tools[${index}].function.name`);
    seen.add(fn.name);
  });
  return { functions, choice: toolChoice(fields, functions), parallel: fields.boolean('parallel_tool_calls') ?? true };
}

/** An assistant message's `tool_calls`: ids, function names and arguments parsed from their JSON text. */
export function pastToolCalls(message: Fields): PastToolCall[] {
  const list = message.array('tool_calls') ?? [];
  return list.map((item, index) => {
    const param = message.param(`tool_calls[${index}]`);
    if (!isObject(item)) throw invalidRequest(`'${param}' must be an object with "id", "type" and "function".`, param, 'invalid_type');
    const call = new Fields(item, param);
    const id = call.string('id', { required: true, nonEmpty: true })!;
    const type = call.string('type') ?? 'function';
    if (type !== 'function') throw invalidRequest(`'${call.param('type')}' must be "function", got ${JSON.stringify(type)}.`, call.param('type'));
    const fn = call.object('function', { required: true })!;
    const name = fn.string('name', { required: true, nonEmpty: true })!;
    const text = fn.string('arguments', { required: true })!;
    let params: unknown;
    try {
      params = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw invalidRequest(`'${fn.param('arguments')}' must be a JSON text, got ${JSON.stringify(text.slice(0, 80))}.`, fn.param('arguments'));
    }
    return { id, name, params };
  });
}

/**
 * Every tool message answers a call an earlier assistant message made, and every call has its answer
 * (as OpenAI requires): otherwise the template would render a call without result, or a result of nothing.
 */
export function checkToolConversation(messages: readonly ChatMessage[]): void {
  const open = new Map<string, string>();
  messages.forEach((message, index) => {
    for (const [callIndex, call] of (message.toolCalls ?? []).entries()) open.set(call.id, `messages[${index}].tool_calls[${callIndex}].id`);
    if (message.role !== 'tool') return;
    const id = message.toolCallId!;
    if (!open.has(id)) {
      throw invalidRequest(`'messages[${index}].tool_call_id' is ${JSON.stringify(id)}, which matches no tool call of an earlier assistant message.`,
        `messages[${index}].tool_call_id`);
    }
    open.delete(id);
  });
  for (const param of open.values()) {
    throw invalidRequest(`'${param}' has no tool message with its result; send one "tool" message per call.`, param);
  }
}
