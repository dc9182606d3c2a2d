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

export interface ChatMessage {
  readonly role: 'system' | 'user' | 'assistant';
  readonly content: string;
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
}

/** How the model stopped by itself; an abort is reported separately since its cause lives outside. */
export type EngineStop = 'eos' | 'stop' | 'max_tokens' | 'aborted';

export interface GenerationOutcome {
  readonly content: string;
  readonly reasoning: string;
  readonly completionTokens: number;
  readonly reasoningTokens: number;
  readonly stop: EngineStop;
}
