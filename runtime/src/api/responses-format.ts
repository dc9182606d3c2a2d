import { toolChoiceObject, type ResponsesEcho } from './responses-request.js';

/** The Responses API's item and response statuses this server produces. */
export type ItemStatus = 'in_progress' | 'completed' | 'incomplete';
export type ResponseStatus = 'in_progress' | 'completed' | 'incomplete' | 'failed';

/** The identity every event and the final object of one response repeat. */
export interface ResponseIdentity {
  readonly id: string;
  readonly createdAt: number;
  readonly model: string;
}

export interface ReasoningItem {
  readonly type: 'reasoning';
  readonly id: string;
  readonly summary: [];
  readonly content: Array<{ readonly type: 'reasoning_text'; readonly text: string }>;
  readonly status: ItemStatus;
}

export interface OutputText {
  readonly type: 'output_text';
  readonly text: string;
  readonly annotations: [];
  readonly logprobs: [];
}

export interface MessageItem {
  readonly type: 'message';
  readonly id: string;
  readonly role: 'assistant';
  readonly status: ItemStatus;
  readonly content: OutputText[];
}

export interface FunctionCallItem {
  readonly type: 'function_call';
  readonly id: string;
  readonly call_id: string;
  readonly name: string;
  readonly arguments: string;
  readonly status: ItemStatus;
}

export type OutputItem = ReasoningItem | MessageItem | FunctionCallItem;

export interface ResponsesUsage {
  readonly input_tokens: number;
  readonly input_tokens_details: { readonly cached_tokens: number };
  readonly output_tokens: number;
  readonly output_tokens_details: { readonly reasoning_tokens: number };
  readonly total_tokens: number;
}

export const reasoningItem = (id: string, text: string, status: ItemStatus): ReasoningItem =>
  ({ type: 'reasoning', id, summary: [], content: [{ type: 'reasoning_text', text }], status });

export const outputText = (text: string): OutputText => ({ type: 'output_text', text, annotations: [], logprobs: [] });

export const messageItem = (id: string, text: string, status: ItemStatus): MessageItem =>
  ({ type: 'message', id, role: 'assistant', status, content: [outputText(text)] });

export const functionCallItem = (id: string, callId: string, name: string, args: string, status: ItemStatus): FunctionCallItem =>
  ({ type: 'function_call', id, call_id: callId, name, arguments: args, status });

/**
 * Input tokens reused from the request before (prefix reuse) are what OpenAI calls cached. node-llama-cpp's meter
 * counts the last prompt token as output (it is evaluated together with the first sampled one), so a prompt that
 * was all cached reports 0 evaluated and an uncached one all but one.
 */
export function responsesUsage(promptTokens: number, promptTokensEvaluated: number, completionTokens: number, reasoningTokens: number): ResponsesUsage {
  return {
    input_tokens: promptTokens,
    input_tokens_details: { cached_tokens: Math.max(0, promptTokens - 1 - promptTokensEvaluated) },
    output_tokens: completionTokens,
    output_tokens_details: { reasoning_tokens: reasoningTokens },
    total_tokens: promptTokens + completionTokens,
  };
}

/**
 * Why an answer is incomplete. `max_output_tokens` is OpenAI's own reason (the token cap, or the end of the context);
 * the server adds the stops of its own by name: `deadline` (the Lambda invocation's), `time_limit`
 * (LLM_MAX_GENERATION_SECONDS) and `shutdown`.
 */
export function incompleteReason(stoppedBy: string): string {
  return stoppedBy === 'max_tokens' || stoppedBy === 'context_full' ? 'max_output_tokens' : stoppedBy;
}

/** What a response object's fields say at one moment of its life. */
export interface ResponseState {
  readonly status: ResponseStatus;
  readonly output: readonly OutputItem[];
  readonly usage?: ResponsesUsage;
  readonly incompleteReason?: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/**
 * OpenAI's Response object. `store` is always false: nothing is kept, so the id cannot be retrieved or continued.
 * `output_text` is the answer alone (the SDKs compute it the same way, from the message items).
 */
export function responseObject(identity: ResponseIdentity, echo: ResponsesEcho, state: ResponseState) {
  const finished = state.status !== 'in_progress';
  return {
    id: identity.id,
    object: 'response',
    created_at: identity.createdAt,
    status: state.status,
    ...(finished ? { completed_at: state.status === 'completed' ? Math.floor(Date.now() / 1000) : null } : {}),
    background: false,
    error: state.error ?? null,
    incomplete_details: state.incompleteReason === undefined ? null : { reason: state.incompleteReason },
    instructions: echo.instructions,
    max_output_tokens: echo.maxOutputTokens,
    max_tool_calls: null,
    model: identity.model,
    output: state.output,
    output_text: state.output.flatMap((item) => (item.type === 'message' ? item.content.map((part) => part.text) : [])).join(''),
    parallel_tool_calls: echo.tools?.parallel ?? true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    store: false,
    temperature: echo.temperature,
    text: { format: echo.format },
    tool_choice: echo.tools === undefined ? 'none' : toolChoiceObject(echo.tools.choice),
    tools: (echo.tools?.functions ?? []).map((fn) => ({
      type: 'function', name: fn.name, description: fn.description ?? null, parameters: fn.parameters ?? null, strict: false,
    })),
    top_p: echo.topP,
    truncation: 'disabled',
    usage: state.usage ?? null,
    user: echo.user ?? null,
    metadata: echo.metadata,
  };
}
