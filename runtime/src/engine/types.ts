import type { LlamaGrammar } from 'node-llama-cpp';

/** One piece of generated text, as it leaves the model. */
export interface Delta {
  readonly kind: 'content' | 'reasoning';
  readonly text: string;
}

/** OpenAI's sampling knobs, already validated; mapped onto node-llama-cpp's (whose defaults differ). */
export interface Sampling {
  readonly temperature: number;
  readonly topP: number;
  readonly topK?: number;
  readonly seed?: number;
  readonly frequencyPenalty?: number;
  readonly presencePenalty?: number;
  /** OpenAI's logit_bias: token id -> -100..100 added to its logit. */
  readonly logitBias?: ReadonlyMap<number, number>;
}

/** A function call the model made in an earlier turn, as the client sends it back, with its result. */
export interface PastToolCall {
  readonly id: string;
  readonly name: string;
  /** The parsed `arguments`. */
  readonly params: unknown;
  /** What the tool returned (the API layer paired each result with its call). */
  readonly result: string;
}

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
  /** Assistant messages: the calls it made, each with its result. */
  readonly toolCalls?: readonly PastToolCall[];
}

/** A function the model may call: OpenAI's `tools[i].function`. */
export interface ToolFunction {
  readonly name: string;
  readonly description?: string;
  /** JSON schema of the arguments in node-llama-cpp's subset (api/json-schema); undefined = no arguments. */
  readonly parameters?: Readonly<Record<string, unknown>>;
}

/** The tools offered for one generation, after tool_choice was applied. */
export interface ToolSettings {
  readonly functions: readonly ToolFunction[];
  /** The model must call one of them (tool_choice "required" or a named function). */
  readonly force: boolean;
  /** More than one call per turn, where the chat wrapper can express it. */
  readonly parallel: boolean;
}

/** One piece of a function call as the model writes it: the first piece of a call carries its name. */
export interface ToolCallDelta {
  readonly index: number;
  /** Set on the call's first piece only. */
  readonly name?: string;
  readonly arguments: string;
}

/** A function call the model made, its arguments as compact JSON text. */
export interface GeneratedToolCall {
  readonly name: string;
  readonly arguments: string;
}

export interface GenerationSettings {
  /** Already capped by the config and by the room left in the context. */
  readonly maxTokens: number;
  readonly stop: readonly string[];
  readonly sampling: Sampling;
  readonly grammar?: LlamaGrammar;
  /** Thought-segment budget (DeepSeek-R1 style reasoning); undefined = no budget. */
  readonly maxReasoningTokens?: number;
  readonly signal: AbortSignal;
  readonly onDelta: (delta: Delta) => void;
  /** Chats only: functions the model may call, and where their pieces go. */
  readonly tools?: ToolSettings;
  readonly onToolCall?: (delta: ToolCallDelta) => void;
}

/**
 * How the model stopped by itself; an abort is reported separately since its cause lives outside.
 * `context_full`: the tokens node-llama-cpp inserts itself filled the context before max_tokens was reached.
 */
export type EngineStop = 'eos' | 'stop' | 'max_tokens' | 'tool_calls' | 'aborted' | 'context_full';

export interface GenerationOutcome {
  readonly content: string;
  readonly reasoning: string;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly stop: EngineStop;
  /**
   * Prompt tokens the model evaluated for this request: fewer than the prompt when the sequence still held
   * a shared prefix from the request before (prefix reuse), all of them with LLM_ISOLATE_REQUESTS.
   */
  readonly promptTokensEvaluated: number;
  /** Calls the model made; non-empty exactly when stop is 'tool_calls'. */
  readonly toolCalls: readonly GeneratedToolCall[];
}
