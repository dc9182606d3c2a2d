import { invalidRequest } from '../http/api-error.js';
import type { ToolFunction } from '../engine/types.js';
import { Fields } from './fields.js';
import type { RequestShape } from './request-shape.js';
import { normaliseJsonSchema, WorkBudget } from './json-schema/index.js';
import type { SentToolCall } from './tool-history.js';

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

const TOOL_EXAMPLE: Readonly<Record<RequestShape, string>> = {
  chat: '{"type": "function", "function": {"name": ...}}',
  responses: '{"type": "function", "name": ...}',
};

/** The object holding the function's name (and, in `tools`, its description and parameters). */
const definitionOf = (tool: Fields, shape: RequestShape): Fields => (shape === 'chat' ? tool.object('function', { required: true })! : tool);

function toolFunction(item: unknown, index: number, shape: RequestShape, budget: WorkBudget): ToolFunction {
  const param = `tools[${index}]`;
  if (!isObject(item)) throw invalidRequest(`'${param}' must be an object like ${TOOL_EXAMPLE[shape]}.`, param, 'invalid_type');
  const tool = new Fields(item, param);
  const type = tool.string('type', { required: true });
  if (type !== 'function') {
    // The Responses API's hosted tools (web search, file search, code interpreter...) run on OpenAI's servers.
    throw invalidRequest(`'${tool.param('type')}' must be "function", got ${JSON.stringify(type)}: this server runs only the functions you define.`,
      tool.param('type'), shape === 'responses' ? 'unsupported_parameter' : 'invalid_value');
  }
  const fn = definitionOf(tool, shape);
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

function toolChoice(fields: Fields, functions: readonly ToolFunction[], shape: RequestShape): ToolChoice {
  const raw = fields.raw('tool_choice');
  if (raw === undefined) return functions.length > 0 ? 'auto' : 'none';
  if (raw === 'none' || raw === 'auto' || raw === 'required') {
    if (raw === 'required' && functions.length === 0) {
      throw invalidRequest("'tool_choice' is \"required\" but 'tools' offers no function.", 'tool_choice');
    }
    return raw;
  }
  if (!isObject(raw)) {
    throw invalidRequest(`'tool_choice' must be "none", "auto", "required" or ${TOOL_EXAMPLE[shape]}, got ${JSON.stringify(raw)}.`, 'tool_choice', 'invalid_type');
  }
  const choice = fields.object('tool_choice')!;
  const type = choice.string('type', { required: true });
  if (type !== 'function') throw invalidRequest(`'${choice.param('type')}' must be "function", got ${JSON.stringify(type)}.`, choice.param('type'));
  const fn = definitionOf(choice, shape);
  const name = fn.string('name', { required: true })!;
  if (!functions.some((each) => each.name === name)) {
    throw invalidRequest(`'${fn.param('name')}' names ${JSON.stringify(name)}, which is not a function in 'tools'.`, fn.param('name'));
  }
  return { name };
}

/** `tools`, `tool_choice` and `parallel_tool_calls` (chat's legacy `functions` stays refused by its parser). */
export function parseTools(fields: Fields, shape: RequestShape = 'chat'): ToolRequest {
  const list = fields.array('tools') ?? [];
  // One budget for all the functions: many small schemas cost what one big one does.
  const budget = new WorkBudget();
  const functions = list.map((item, index) => toolFunction(item, index, shape, budget));
  const seen = new Set<string>();
  functions.forEach((fn, index) => {
    const param = shape === 'chat' ? `tools[${index}].function.name` : `tools[${index}].name`;
    if (seen.has(fn.name)) throw invalidRequest(`'${param}' repeats ${JSON.stringify(fn.name)}.`, param);
    seen.add(fn.name);
  });
  return { functions, choice: toolChoice(fields, functions, shape), parallel: fields.boolean('parallel_tool_calls') ?? true };
}

/** An assistant message's `tool_calls`: ids, function names and arguments parsed from their JSON text. */
export function pastToolCalls(message: Fields): SentToolCall[] {
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
    return { id, name, params: callArguments(fn, 'arguments'), param: call.param('id') };
  });
}

/** A past call's `arguments`: a JSON text (blank means no arguments), parsed. */
export function callArguments(fields: Fields, name: string): unknown {
  const text = fields.string(name, { required: true })!;
  try {
    return text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    throw invalidRequest(`'${fields.param(name)}' must be a JSON text, got ${JSON.stringify(text.slice(0, 80))}.`, fields.param(name));
  }
}
