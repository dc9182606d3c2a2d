import {
  ChatWrapper, LlamaText,
  type ChatHistoryItem, type ChatModelFunctionCall, type ChatModelFunctions, type ChatWrapperGenerateContextStateOptions, type ChatWrapperGeneratedContextState,
  type LlamaChatResponseFunctionCallParamsChunk,
} from 'node-llama-cpp';
import type { ChatMessage, GeneratedToolCall, ToolCallDelta, ToolFunction } from './types.js';

/**
 * Chat wrappers with a function-call syntax of their own (DeepSeek, Qwen, Llama 3.x, Functionary, Mistral,
 * Gemma 4, Harmony, Seed, Muse, and Jinja templates that have one). The others fall back to node-llama-cpp's
 * generic `||call:` syntax, which no model was trained on: tools are refused for them.
 */
export function wrapperCallsFunctions(wrapper: ChatWrapper): boolean {
  return wrapper.settings.functions !== ChatWrapper.defaultSettings.functions;
}

export function chatModelFunctions(functions: readonly ToolFunction[]): ChatModelFunctions {
  const result: Record<string, ChatModelFunctions[string]> = {};
  for (const fn of functions) result[fn.name] = { description: fn.description, params: fn.parameters as never };
  return result;
}

/**
 * A view of the model's chat wrapper that starts every answer inside a function call (the wrapper's own
 * call prefix, injected by node-llama-cpp's "no prefix trigger"): tool_choice "required" or a named function.
 */
export function forcingFunctionCall(wrapper: ChatWrapper): ChatWrapper {
  const forcing = Object.create(wrapper) as ChatWrapper;
  forcing.generateContextState = (options: ChatWrapperGenerateContextStateOptions) => ({
    ...wrapper.generateContextState(options),
    prefixTriggers: undefined,
    noPrefixTrigger: { type: 'functionCall', inject: LlamaText(wrapper.settings.functions.call.prefix) },
  }) as ChatWrapperGeneratedContextState;
  return forcing;
}

/** A tool message's content: its JSON value when it is JSON (templates render it as such), else the text. */
function toolResult(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    return content;
  }
}

/**
 * OpenAI messages to node-llama-cpp's history: an assistant message's tool calls become function-call items of its
 * model turn, each with its own result (paired by the API layer), so the model's own template renders calls and
 * results.
 */
export function chatHistory(messages: readonly ChatMessage[]): ChatHistoryItem[] {
  return messages.map((message): ChatHistoryItem => {
    if (message.role === 'system') return { type: 'system', text: message.content };
    if (message.role === 'user') return { type: 'user', text: message.content };
    const calls = (message.toolCalls ?? []).map((call, index): ChatModelFunctionCall => ({
      type: 'functionCall', name: call.name, params: call.params, result: toolResult(call.result), startsNewChunk: index === 0,
    }));
    return { type: 'model', response: [...(message.content !== '' ? [message.content] : []), ...calls] };
  });
}

/**
 * Collects the calls the model makes, piece by piece. node-llama-cpp's grammar writes the arguments
 * pretty-printed and ends them with blank lines; the client gets them as compact JSON (whitespace outside
 * strings dropped as it streams), so the streamed pieces add up to exactly the final `arguments`.
 */
export class ToolCallCollector {
  readonly calls: Array<{ name: string; arguments: string }> = [];
  private readonly compactors: JsonCompactor[] = [];
  private finishedCount = 0;

  constructor(private readonly onDelta: (delta: ToolCallDelta) => void) {}

  paramsChunk(chunk: LlamaChatResponseFunctionCallParamsChunk): void {
    this.start(chunk.callIndex, chunk.functionName);
    const piece = this.compactors[chunk.callIndex].push(chunk.paramsChunk);
    if (piece === '') return;
    this.calls[chunk.callIndex].arguments += piece;
    this.onDelta({ index: chunk.callIndex, arguments: piece });
  }

  /** A call is complete; one without parameters never sent a piece, so its "{}" goes out now. */
  finished(name: string, params: unknown): void {
    const index = this.finishedCount++;
    if (index < this.calls.length) return;
    const text = JSON.stringify(params ?? {});
    this.start(index, name);
    this.calls[index] = { name, arguments: text };
    this.onDelta({ index, arguments: text });
  }

  /** The calls node-llama-cpp completed: one cut by max_tokens or an abort is not a call. */
  result(): GeneratedToolCall[] {
    return this.calls.slice(0, this.finishedCount).map((call) => ({ name: call.name, arguments: call.arguments }));
  }

  private start(index: number, name: string): void {
    if (this.calls[index] !== undefined) return;
    this.calls[index] = { name, arguments: '' };
    this.compactors[index] = new JsonCompactor();
    this.onDelta({ index, name, arguments: '' });
  }
}

/** Drops whitespace outside JSON strings, across pieces. */
class JsonCompactor {
  private inString = false;
  private escaped = false;

  push(text: string): string {
    let out = '';
    for (const char of text) {
      if (this.inString) {
        out += char;
        if (this.escaped) this.escaped = false;
        else if (char === '\\') this.escaped = true;
        else if (char === '"') this.inString = false;
      } else if (char === '"') {
        this.inString = true;
        out += char;
      } else if (!/\s/.test(char)) {
        out += char;
      }
    }
    return out;
  }
}
