import type { ChatMessage } from '../engine/types.js';
import { invalidRequest } from '../http/api-error.js';

/** A call an assistant turn made, as the client sends it back, with where its id was given (for error messages). */
export interface SentToolCall {
  readonly id: string;
  readonly name: string;
  /** The parsed arguments. */
  readonly params: unknown;
  /** Where the call's id is in the request, e.g. `messages[1].tool_calls[0].id` or `input[2].call_id`. */
  readonly param: string;
}

/**
 * One turn of a conversation as a route parsed it, before tool results are paired with their calls: chat
 * completions' messages and the Responses API's input items both become these.
 */
export type SentMessage =
  | { readonly role: 'system' | 'user'; readonly content: string }
  | { readonly role: 'assistant'; readonly content: string; readonly toolCalls: readonly SentToolCall[] }
  | { readonly role: 'tool'; readonly content: string; readonly toolCallId: string; readonly param: string };

/**
 * Pairs every tool result with the call it answers, by position: the results of an assistant turn's calls are the
 * tool messages that directly follow that turn, matched by id among its calls only. So the same id may come back in
 * a later turn (clients that number calls `call_1`, `call_2`... per turn) and each result still renders with its own
 * call. What cannot be paired is a 400 that names the places: a result that follows no call, one that answers a call
 * already answered, two calls of one turn with the same id, a call left without its result.
 */
export function pairToolResults(sent: readonly SentMessage[]): ChatMessage[] {
  const paired: ChatMessage[] = [];
  let turn: OpenTurn | undefined;
  const closeTurn = (): void => {
    if (turn === undefined) return;
    const missing = turn.calls.find((call) => !turn!.results.has(call.id));
    if (missing !== undefined) {
      throw invalidRequest(`'${missing.param}' (${JSON.stringify(missing.id)}) has no tool result after it; send one result per call, right after the turn that made the calls.`, missing.param);
    }
    paired[turn.index] = {
      role: 'assistant',
      content: turn.content,
      toolCalls: turn.calls.map((call) => ({ id: call.id, name: call.name, params: call.params, result: turn!.results.get(call.id)!.content })),
    };
    turn = undefined;
  };
  for (const message of sent) {
    if (message.role === 'tool') {
      answer(turn, message);
      continue;
    }
    closeTurn();
    if (message.role === 'assistant' && message.toolCalls.length > 0) {
      checkDistinctIds(message.toolCalls);
      turn = { index: paired.length, content: message.content, calls: message.toolCalls, results: new Map() };
      paired.push({ role: 'assistant', content: message.content });
    } else {
      paired.push({ role: message.role, content: message.content });
    }
  }
  closeTurn();
  return paired;
}

interface OpenTurn {
  /** Where the turn sits in the paired list (filled in once its results are known). */
  readonly index: number;
  readonly content: string;
  readonly calls: readonly SentToolCall[];
  readonly results: Map<string, { readonly content: string; readonly param: string }>;
}

function answer(turn: OpenTurn | undefined, result: Extract<SentMessage, { role: 'tool' }>): void {
  const { toolCallId: id, param } = result;
  if (turn === undefined) {
    throw invalidRequest(`'${param}' is ${JSON.stringify(id)}, but no assistant turn with tool calls comes right before it; tool results follow the turn whose calls they answer.`, param);
  }
  const earlier = turn.results.get(id);
  if (earlier !== undefined) {
    throw invalidRequest(`'${param}' answers ${JSON.stringify(id)} again: '${earlier.param}' already did.`, param);
  }
  if (!turn.calls.some((call) => call.id === id)) {
    const ids = turn.calls.map((call) => JSON.stringify(call.id)).join(', ');
    throw invalidRequest(`'${param}' is ${JSON.stringify(id)}, which is not one of the calls of the assistant turn before it (${ids}).`, param);
  }
  turn.results.set(id, { content: result.content, param });
}

function checkDistinctIds(calls: readonly SentToolCall[]): void {
  const seen = new Map<string, string>();
  for (const call of calls) {
    const first = seen.get(call.id);
    if (first !== undefined) {
      throw invalidRequest(`'${call.param}' repeats the id ${JSON.stringify(call.id)} of '${first}' in the same turn: each call needs its own id so its result can be matched.`, call.param);
    }
    seen.set(call.id, call.param);
  }
}
