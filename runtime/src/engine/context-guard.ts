import type { ChatHistoryItem, LLamaChatContextShiftOptions } from 'node-llama-cpp';

/**
 * Ends a chat generation at the end of the context instead of letting node-llama-cpp shift the history.
 *
 * The server caps `maxTokens` at the room the prompt leaves, but node-llama-cpp also evaluates tokens it inserts
 * itself, which nobody samples and `maxTokens` does not count: the `</think>` that closes a spent reasoning budget,
 * and a function call's prefix, name and parameter prefix each time it re-renders a call. When those push the
 * sequence to the end of the context, node-llama-cpp asks its context-shift strategy for a shorter history: by
 * default it drops the start of the conversation and continues on what is left (an answer to a prompt the client
 * never sent), or throws "Failed to compress chat history" when the prompt is one long message (a 500).
 *
 * This strategy is asked instead, and only then (a shift size of 1 token keeps node-llama-cpp from asking early, its
 * default being a tenth of the context). It stops the generation, which ends with `length` like any answer that ran
 * out of room, and hands back the prompt as it was sent, so that no token is re-evaluated and the cached prompt
 * stays for the next request. When the prompt itself no longer fits beside the tokens node-llama-cpp is about to
 * insert, it hands back an empty history instead: anything that does not fit would make node-llama-cpp fall back to
 * its own strategy (and warn on stderr). node-llama-cpp may sample one more token in the meantime; `fired` tells the
 * caller to drop whatever arrives after it.
 */
export class ContextGuard {
  private readonly controller = new AbortController();

  /** `prompt` is the history as rendered for admission, `promptTokens` its length in tokens. */
  constructor(private readonly prompt: readonly ChatHistoryItem[], private readonly promptTokens: number) {}

  /** Aborted once the context is full. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get fired(): boolean {
    return this.controller.signal.aborted;
  }

  /** What generateResponse takes as `contextShift`. */
  get options(): LLamaChatContextShiftOptions {
    return {
      size: 1,
      strategy: ({ maxTokensCount }) => {
        this.controller.abort(new Error('generation stopped: the context is full'));
        const chatHistory = this.promptTokens <= maxTokensCount ? this.prompt.map((item) => structuredClone(item)) : [];
        return { chatHistory, metadata: null };
      },
    };
  }
}
