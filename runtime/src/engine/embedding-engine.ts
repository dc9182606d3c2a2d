import type { Llama, LlamaEmbeddingContext, LlamaModel, Token } from 'node-llama-cpp';

/**
 * Embedding contexts kept per model. node-llama-cpp 3.21.1 reads only sequence 0's pooled vector
 * (`llama_get_embeddings_seq(ctx, 0)` in its addon), so inputs cannot share one `llama_decode`: the most its API
 * allows is several contexts evaluating different inputs at once. Two, with the threads split between them,
 * measured (docs/benchmarks/embeddings.md): on 2 CPUs two one-thread decodes side by side beat one context with
 * both threads, whose threads wait for each other at every operation, and a lone input was no slower on one
 * thread; each context costs its own KV cache and compute buffers, so no more than two.
 */
export const MAX_EMBEDDING_CONTEXTS = 2;

/**
 * The batch for models whose last token carries the embedding (last pooling, or no pooling on a causal model):
 * a longer input is evaluated in several decodes with the same result, and llama.cpp sizes an embedding
 * context's compute buffer by its batch times the vocabulary (it computes the output layer for every token).
 */
export const SPLIT_INPUT_BATCH_TOKENS = 512;

export interface EmbeddingEngineOptions {
  readonly llama: Llama;
  /** Loaded by the caller; shared with a generation engine when a generation model also embeds (LLM_EMBEDDINGS). */
  readonly model: LlamaModel;
  /** Requested context; capped at the model's trained context (an encoder has no positions beyond it). */
  readonly contextSize: number;
  /** Split between the contexts (2 threads: one each), so that two inputs run side by side without waiting. */
  readonly threads: number;
  /**
   * Mean or CLS pooling, or bidirectional attention: the pooled vector covers the whole input, so the input must
   * be evaluated in one batch, and the batch is the context.
   */
  readonly wholeInputBatches: boolean;
  /** The engine owns the model and the bindings (an embedding model): dispose frees them. */
  readonly ownsModel: boolean;
}

/** What an embedding run produced: one raw (not normalized) pooled vector per input evaluated, in input order. */
export interface EmbeddingOutcome {
  readonly vectors: ReadonlyArray<readonly number[]>;
  /** Inputs evaluated before the signal stopped the run (all of them when it did not). */
  readonly completed: number;
}

/**
 * A pool of node-llama-cpp embedding contexts over one model, the threads split between them. Inputs are handed
 * to whichever context is free, so a request's inputs are evaluated two at a time; each input is one
 * `getEmbeddingFor` call, which reads back the pooled vector llama.cpp computed (node-llama-cpp's own method, so
 * the vectors are the library's).
 */
export class EmbeddingEngine {
  private constructor(
    private readonly llama: Llama,
    private readonly model: LlamaModel,
    private readonly contexts: readonly LlamaEmbeddingContext[],
    /** The context every input must fit in (tokens, BOS/EOS included, plus one). */
    readonly contextSize: number,
    readonly batchSize: number,
    private readonly ownsModel: boolean,
  ) {}

  static async create(options: EmbeddingEngineOptions): Promise<EmbeddingEngine> {
    const { model } = options;
    const contextSize = Math.min(options.contextSize, model.trainContextSize);
    const batchSize = options.wholeInputBatches ? contextSize : Math.min(contextSize, SPLIT_INPUT_BATCH_TOKENS);
    const count = Math.max(1, Math.min(MAX_EMBEDDING_CONTEXTS, options.threads));
    const contexts: LlamaEmbeddingContext[] = [];
    try {
      for (let i = 0; i < count; i++) {
        // An odd thread goes to the first context.
        const threads = Math.floor(options.threads / count) + (i < options.threads % count ? 1 : 0);
        contexts.push(await model.createEmbeddingContext({ contextSize, batchSize, threads }));
      }
    } catch (error) {
      await Promise.all(contexts.map((context) => context.dispose()));
      throw error;
    }
    return new EmbeddingEngine(options.llama, model, contexts, contextSize, batchSize, options.ownsModel);
  }

  /** Length of the vectors the model produces. */
  get dimensions(): number {
    return this.model.embeddingVectorSize;
  }

  get contextCount(): number {
    return this.contexts.length;
  }

  /** The most tokens one input may take, BOS/EOS included (node-llama-cpp refuses an input that fills the context). */
  get maxInputTokens(): number {
    return this.contextSize - 1;
  }

  /** Number of tokens in the vocabulary: valid token ids go from 0 to this minus 1. */
  get vocabularySize(): number {
    const tokens: unknown = this.model.fileInfo.metadata.tokenizer?.ggml?.tokens;
    return Array.isArray(tokens) ? tokens.length : 0;
  }

  /** Plain text to tokens; text that looks like a special token stays text. */
  tokenize(text: string): Token[] {
    return this.model.tokenize(text, false);
  }

  /** Tokens the model evaluates for this input: the BOS/EOS (or CLS/SEP) its tokenizer adds included. */
  inputTokens(tokens: readonly Token[]): number {
    return this.contexts[0].calculateInputLength(tokens as Token[]);
  }

  /** The longest prefix of `tokens` that fits the context once BOS/EOS are added. */
  fitToContext(tokens: readonly Token[]): Token[] {
    const added = this.inputTokens(tokens) - tokens.length;
    let kept = tokens.slice(0, Math.max(0, this.maxInputTokens - added));
    // Cutting can drop a trailing EOS the caller sent, which the tokenizer then adds back: one more to cut.
    while (kept.length > 0 && this.inputTokens(kept) > this.maxInputTokens) kept = kept.slice(0, -1);
    return kept;
  }

  /**
   * Evaluates every input (each already checked to fit), two at a time. The signal is read before each input: a
   * run cut by a disconnect, a deadline or a shutdown stops after the inputs already being evaluated.
   */
  async embed(inputs: ReadonlyArray<readonly Token[]>, signal: AbortSignal): Promise<EmbeddingOutcome> {
    const vectors: Array<readonly number[]> = new Array(inputs.length);
    let next = 0;
    let completed = 0;
    let failed = false;
    // Settled, not Promise.all: a failure must not hand the model on while the other context is still evaluating.
    const runs = await Promise.allSettled(this.contexts.map(async (context) => {
      while (!signal.aborted && !failed && next < inputs.length) {
        const index = next++;
        try {
          vectors[index] = (await context.getEmbeddingFor(inputs[index] as Token[])).vector;
        } catch (error) {
          failed = true;
          throw error;
        }
        completed += 1;
      }
    }));
    const failure = runs.find((run): run is PromiseRejectedResult => run.status === 'rejected');
    if (failure !== undefined) throw failure.reason;
    return { vectors, completed };
  }

  /**
   * One short input through every context, so llama.cpp's compute buffers and graphs exist before a SnapStart
   * snapshot. Returns the tokens evaluated.
   */
  async warmUp(signal: AbortSignal): Promise<number> {
    const tokens = this.tokenize('Hello');
    const inputs = this.contexts.map(() => tokens);
    const { completed } = await this.embed(inputs, signal);
    return completed * this.inputTokens(tokens);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.contexts.map((context) => context.dispose()));
    if (!this.ownsModel) return;
    await this.model.dispose();
    await this.llama.dispose();
  }
}
