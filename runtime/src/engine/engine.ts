import {
  getLlama, LlamaLogLevel, TokenBias,
  type ChatHistoryItem, type ChatWrapper, type Llama, type LlamaChatResponseChunk, type LlamaContext,
  type LlamaContextSequence, type LlamaGrammar, type LlamaModel, type Token,
} from 'node-llama-cpp';
import { freshSeed } from '../entropy.js';
import { ContextGuard } from './context-guard.js';
import { installExactJsonGrammar } from './exact-json-grammar.js';
import { OutputCollector } from './output-collector.js';
import { SequencePool, SequenceSlot, type SequenceLease } from './sequence-pool.js';
import { StepGate } from './step-gate.js';
import { chatHistory, chatModelFunctions, ToolCallCollector, wrapperCallsFunctions } from './tool-calls.js';
import { partialCharacterTokens } from './whole-character-tokens.js';
import type { ChatMessage, EngineStop, GenerationOutcome, GenerationSettings, Sampling, ToolFunction } from './types.js';

/**
 * A prompt longer than this many characters per context token is probed before it is tokenized in full:
 * a prefix of that length is tokenized and, if it alone overflows the context, the prompt is refused.
 */
const PROBE_CHARS_PER_TOKEN = 8;

export interface LlamaOptions {
  readonly threads: number;
  readonly log: (event: Record<string, unknown>) => void;
}

export interface EngineOptions {
  /** llama.cpp's bindings, from {@link Engine.startLlama}: started while the model file is still being found. */
  readonly llama: Llama;
  readonly modelPath: string;
  readonly contextSize: number;
  readonly threads: number;
  /** Map the file instead of reading it into memory (see LLM_USE_MMAP). */
  readonly useMmap: boolean;
  /** Forget every evaluated token after each generation (see LLM_ISOLATE_REQUESTS). */
  readonly isolateRequests?: boolean;
  /** Context sequences, one per generation running at once (see LLM_PARALLEL); each has `contextSize` tokens. */
  readonly parallel?: number;
}

/** A chat prompt, rendered with the model's own template and counted, ready to generate from. */
export interface PreparedChat {
  readonly history: ChatHistoryItem[];
  readonly promptTokens: number;
  /** The prompt as it will sit in the sequence: what a free sequence's cached tokens are compared with. */
  readonly rendered: readonly Token[];
}

export interface PreparedText {
  readonly tokens: Token[];
  readonly promptTokens: number;
  readonly rendered: readonly Token[];
}

/**
 * The loaded model: one context with one sequence per generation that may run at once (LLM_PARALLEL), each
 * generation on a sequence leased from the pool (the caller admits no more than there are). LlamaChat renders
 * chats with the template found in the GGUF and adds no system prompt of its own; LlamaCompletion continues
 * raw text. With several sequences, a step gate keeps their decoding in one batch per token.
 */
export class Engine {
  private jsonGrammarPromise?: Promise<LlamaGrammar>;

  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly context: LlamaContext,
    private readonly sequences: SequencePool,
    /**
     * Where loading went, for the start-up log's cold-start phases: the weights read (or mapped) and
     * prepared for the CPU's kernels, then the context (KV cache and compute buffers) allocated.
     */
    readonly loadTimings: { readonly weightsMs: number; readonly contextMs: number },
    private readonly isolateRequests: boolean,
  ) {}

  /** Found on the first constrained generation (a pass over the vocabulary): see whole-character-tokens.ts. */
  private partialTokens?: readonly Token[];

  /** Loads llama.cpp's native bindings (about 0.6 s): independent of the model, so it runs alongside finding it. */
  static async startLlama(options: LlamaOptions): Promise<Llama> {
    const llama = await getLlama({
      gpu: false,
      // A prebuilt binary or nothing: building would try to download llama.cpp at run time.
      build: 'never',
      maxThreads: options.threads,
      logLevel: LlamaLogLevel.warn,
      logger: (level, message) => {
        const text = message.trim();
        if (text !== '') options.log({ level, event: 'llama_cpp', message: text });
      },
    });
    // JSON-schema grammars exactly as JSON Schema and node-llama-cpp's own argument check read them.
    installExactJsonGrammar(llama);
    return llama;
  }

  static async load(options: EngineOptions): Promise<Engine> {
    const { llama } = options;
    const started = performance.now();
    const model = await llama.loadModel({ modelPath: options.modelPath, useMmap: options.useMmap });
    const modelLoaded = performance.now();
    const parallel = options.parallel ?? 1;
    const context = await model.createContext({
      contextSize: options.contextSize,
      sequences: parallel,
      threads: { ideal: options.threads, min: options.threads },
    });
    const sequences = Array.from({ length: parallel }, () => context.getSequence());
    // One sequence has nothing to keep in step with: it decodes exactly as without the gate.
    if (parallel > 1) {
      const gate = new StepGate();
      for (const [id, sequence] of sequences.entries()) gate.install(sequence, id);
    }
    return new Engine(llama, model, context, new SequencePool(sequences.map((sequence, id) => new SequenceSlot(sequence, id))),
      { weightsMs: modelLoaded - started, contextMs: performance.now() - modelLoaded },
      options.isolateRequests ?? false);
  }

  /** The effective size of each sequence: llama.cpp rounds the requested one up. */
  get contextSize(): number {
    return this.context.contextSize;
  }

  /** Sequences: generations that can run at once. */
  get parallel(): number {
    return this.sequences.size;
  }

  get sequencesInUse(): number {
    return this.sequences.inUse;
  }

  /** Every sequence's chat resolved the same wrapper from the model's template. */
  private get chatWrapper(): ChatWrapper {
    return this.sequences.slots[0].chat.chatWrapper;
  }

  /** The loaded weights: embedding contexts share them when a generation model also embeds (LLM_EMBEDDINGS). */
  get llamaModel(): LlamaModel {
    return this.model;
  }

  get chatWrapperName(): string {
    return this.chatWrapper.wrapperName;
  }

  /** Whether the model's chat wrapper has a function-call syntax of its own (see wrapperCallsFunctions). */
  get supportsTools(): boolean {
    return wrapperCallsFunctions(this.chatWrapper);
  }

  /**
   * A free sequence for this prompt: the one whose cached tokens share the longest prefix with it, so its
   * shared part is not evaluated again. Hold it for the generation and release it right after.
   */
  leaseSequence(prepared: PreparedChat | PreparedText): SequenceLease {
    return this.sequences.acquire(prepared.rendered);
  }

  get threads(): number {
    return this.context.idealThreads;
  }

  /** Renders the chat (with the functions' documentation the template adds when tools are offered) and counts it. */
  prepareChat(messages: readonly ChatMessage[], tools?: readonly ToolFunction[]): PreparedChat {
    const history = chatHistory(messages);
    // The model answers after the last message; a trailing assistant message (a prefill, or calls whose
    // results follow) is continued.
    if (history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
    const { contextText } = this.chatWrapper.generateContextState({
      chatHistory: history,
      availableFunctions: tools !== undefined && tools.length > 0 ? chatModelFunctions(tools) : undefined,
      documentFunctionParams: true,
    });
    const rendered = contextText.tokenize(this.model.tokenizer);
    return { history, promptTokens: rendered.length, rendered };
  }

  prepareText(prompt: string): PreparedText {
    const bos = this.model.tokens.shouldPrependBosToken ? this.model.tokens.bos : null;
    // LlamaCompletion prepends BOS itself: hand it the rest, but count it.
    const tokens = this.model.tokenize(prompt, false, bos !== null ? 'trimLeadingSpace' : undefined);
    return { tokens, promptTokens: tokens.length + (bos !== null ? 1 : 0), rendered: bos !== null ? [bos, ...tokens] : tokens };
  }

  /** Sampling options; a grammar or function call also bans tokens that are not whole characters. */
  private samplingOptions(sampling: Sampling, constrained: boolean) {
    if (constrained) this.partialTokens ??= partialCharacterTokens(this.model, this.vocabularySize);
    return samplingOptionsFor(this.model, sampling, constrained ? this.partialTokens! : []);
  }

  /** Room left for generated tokens after a prompt of this size (the last slot stays free). */
  roomAfter(promptTokens: number): number {
    return this.context.contextSize - 1 - promptTokens;
  }

  async generateChat(prepared: PreparedChat, settings: GenerationSettings, lease: SequenceLease): Promise<GenerationOutcome> {
    const tools = settings.tools !== undefined && settings.tools.functions.length > 0 ? settings.tools : undefined;
    const calls = new ToolCallCollector((delta) => settings.onToolCall?.(delta));
    const chat = lease.slot.chatFor(tools?.force === true);
    const guard = new ContextGuard(prepared.history, prepared.promptTokens);
    const outcome = await this.metered(settings, lease.slot.sequence, async (collector, signal) => {
      const common = {
        ...this.samplingOptions(settings.sampling, tools !== undefined || settings.grammar !== undefined),
        maxTokens: settings.maxTokens,
        budgets: settings.maxReasoningTokens !== undefined ? { thoughtTokens: settings.maxReasoningTokens } : undefined,
        signal,
        stopOnAbortSignal: true,
        contextShift: guard.options,
        onResponseChunk: (chunk: LlamaChatResponseChunk) => {
          if (!guard.fired) collector.chatChunk(chunk);
        },
      };
      // node-llama-cpp takes a grammar or functions, never both (the API layer refuses the mix).
      const result = tools === undefined
        ? await chat.generateResponse(prepared.history, { ...common, grammar: settings.grammar })
        : await chat.generateResponse(prepared.history, {
          ...common,
          functions: chatModelFunctions(tools.functions),
          documentFunctionParams: true,
          maxParallelFunctionCalls: tools.parallel ? undefined : 1,
          onFunctionCallParamsChunk: (chunk) => {
            if (!guard.fired) calls.paramsChunk(chunk);
          },
          onFunctionCall: (call) => {
            if (!guard.fired) calls.finished(call.functionName, call.params);
          },
        });
      return result.metadata.stopReason;
    }, guard);
    const toolCalls = calls.result();
    return toolCalls.length > 0 && outcome.stop !== 'aborted' ? { ...outcome, stop: 'tool_calls', toolCalls } : outcome;
  }

  async generateText(prepared: PreparedText, settings: GenerationSettings, lease: SequenceLease): Promise<GenerationOutcome> {
    return this.metered(settings, lease.slot.sequence, async (collector, signal) => {
      const result = await lease.slot.completion.generateCompletionWithMeta(prepared.tokens, {
        ...this.samplingOptions(settings.sampling, settings.grammar !== undefined),
        maxTokens: settings.maxTokens,
        grammar: settings.grammar,
        signal,
        stopOnAbortSignal: true,
        // The caller already checked the prompt fits: never drop or shift tokens silently.
        disableContextShift: true,
        contextShiftSize: 1,
        onTextChunk: (text) => collector.text(text),
      });
      return result.metadata.stopReason;
    });
  }

  /**
   * One short greedy generation, so that llama.cpp's compute buffers and graph and the tokenizer's caches
   * exist before a SnapStart snapshot is taken (the first request after a restore then costs what a warm
   * one does). The sequence is cleared afterwards: no prompt, not even this one, is kept in the snapshot.
   * Returns the tokens sampled.
   */
  async warmUp(signal: AbortSignal): Promise<number> {
    const lease = this.sequences.acquire([]);
    const { sequence, chat } = lease.slot;
    const before = sequence.tokenMeter.getState();
    try {
      await chat.generateResponse([{ type: 'user', text: 'Hello' }, { type: 'model', response: [] }],
        { maxTokens: 4, temperature: 0, signal, stopOnAbortSignal: true });
    } finally {
      await sequence.clearHistory();
      lease.release();
    }
    return sequence.tokenMeter.diff(before).usedOutputTokens;
  }

  /** node-llama-cpp reads and parses its JSON grammar file on each call: build it once. */
  jsonGrammar(): Promise<LlamaGrammar> {
    this.jsonGrammarPromise ??= this.llama.getGrammarFor('json');
    return this.jsonGrammarPromise;
  }

  /** A grammar for a schema already in node-llama-cpp's subset (api/json-schema normalises it). */
  async jsonSchemaGrammar(schema: Readonly<Record<string, unknown>>): Promise<LlamaGrammar> {
    return this.llama.createGrammarForJsonSchema(schema as never);
  }

  /** Number of tokens in the vocabulary: the valid token ids (logit_bias keys) are 0 to this minus 1. */
  get vocabularySize(): number {
    const tokens: unknown = this.model.fileInfo.metadata.tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : 0;
  }

  /**
   * A lower bound on the prompt tokens when these texts certainly overflow the context, else undefined.
   * Tokenizes at most contextSize * PROBE_CHARS_PER_TOKEN characters, so a huge prompt is refused without
   * being tokenized (or rendered) in full. Each text is tokenized on its own, as the chat template renders
   * it; cutting the last one can add at most one token, which the template's role markers more than cover.
   */
  promptCertainlyExceeds(texts: readonly string[]): number | undefined {
    let budget = this.contextSize * PROBE_CHARS_PER_TOKEN;
    if (texts.reduce((total, text) => total + text.length, 0) <= budget) return undefined;
    let tokens = 0;
    for (const text of texts) {
      if (budget <= 0) break;
      tokens += this.model.tokenize(text.slice(0, budget), false).length;
      budget -= text.length;
    }
    return tokens > this.contextSize ? tokens : undefined;
  }

  async dispose(): Promise<void> {
    await this.context.dispose();
    await this.model.dispose();
    await this.llama.dispose();
  }

  /**
   * Runs one generation and counts the tokens it sampled from the sequence's meter: every sampled token,
   * the reasoning and its tags included, which is what max_tokens limits too. A stop sequence ends the
   * generation through its own abort signal, told apart from the caller's.
   */
  private async metered(settings: GenerationSettings, sequence: LlamaContextSequence,
    run: (collector: OutputCollector, signal: AbortSignal) => Promise<string>, guard?: ContextGuard): Promise<GenerationOutcome> {
    const stopped = new AbortController();
    const collector = new OutputCollector(settings.stop, settings.onDelta, () => stopped.abort());
    const signal = AbortSignal.any([settings.signal, stopped.signal, ...(guard !== undefined ? [guard.signal] : [])]);
    const before = sequence.tokenMeter.getState();
    let reason: string;
    try {
      reason = await run(collector, signal);
    } catch (error) {
      // An abort before the first token throws instead of returning what exists (nothing).
      if (!signal.aborted) {
        await sequence.clearHistory().catch(() => undefined);
        throw error;
      }
      reason = 'abort';
    }
    const stop: EngineStop = collector.stopped ? 'stop'
      : settings.signal.aborted ? 'aborted'
        : guard?.fired === true ? 'context_full'
          : toEngineStop(reason);
    collector.finish();
    // The meter counts evaluations that produced logits: one per sampled token, the end-of-sequence
    // token included. OpenAI does not bill the end token, so neither do we.
    const used = sequence.tokenMeter.diff(before);
    const sampled = used.usedOutputTokens;
    // The sequence keeps this request's tokens for the next one to reuse (prefix reuse); isolation forgets
    // them before the sequence is handed on, so no later caller can time its way to what was in them.
    if (this.isolateRequests) await sequence.clearHistory();
    return {
      content: collector.content,
      reasoning: collector.reasoning,
      completionTokens: Math.max(0, sampled - (stop === 'eos' ? 1 : 0)),
      reasoningTokens: collector.reasoningTokens,
      stop,
      promptTokensEvaluated: used.usedInputTokens,
      toolCalls: [],
    };
  }
}

function toEngineStop(reason: string): EngineStop {
  switch (reason) {
    case 'maxTokens': return 'max_tokens';
    case 'customStopTrigger': return 'stop';
    case 'abort': return 'aborted';
    case 'functionCalls': return 'tool_calls';
    default: return 'eos';
  }
}

/** OpenAI semantics, not node-llama-cpp's defaults: no top-k, no repeat penalty unless asked for. */
function samplingOptionsFor(model: LlamaModel, sampling: Sampling, banned: readonly Token[]) {
  const penalised = (sampling.frequencyPenalty ?? 0) !== 0 || (sampling.presencePenalty ?? 0) !== 0;
  return {
    temperature: sampling.temperature,
    topP: sampling.topP,
    topK: sampling.topK ?? 0,
    // node-llama-cpp's own default is the clock in whole seconds: same-second requests would sample alike.
    seed: sampling.seed ?? freshSeed(),
    repeatPenalty: penalised
      ? { penalty: 1, frequencyPenalty: sampling.frequencyPenalty ?? 0, presencePenalty: sampling.presencePenalty ?? 0 }
      : false as const,
    tokenBias: (sampling.logitBias?.size ?? 0) > 0 || banned.length > 0 ? tokenBiasFor(model, sampling.logitBias, banned) : undefined,
  };
}

/** OpenAI's logit_bias: added to the token's logit; -100 bans the token. Banned tokens stay banned whatever the bias. */
function tokenBiasFor(model: LlamaModel, logitBias: ReadonlyMap<number, number> | undefined, banned: readonly Token[]): TokenBias {
  const bias = new TokenBias(model.tokenizer);
  for (const [token, value] of logitBias ?? []) bias.set(token as Token, value <= -100 ? 'never' : { logit: value });
  for (const token of banned) bias.set(token, 'never');
  return bias;
}
