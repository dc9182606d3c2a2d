import { LlamaChat, LlamaCompletion, type LlamaContextSequence, type Token } from 'node-llama-cpp';
import { forcingFunctionCall } from './tool-calls.js';

/**
 * A cached prefix counts when it covers at least this share of the new prompt (llama.cpp's server uses the
 * same 10 % for its slots) and at least MIN_PREFIX_TOKENS; below that, the prompt goes to an empty sequence or
 * the one used longest ago. Every prompt shares its first tokens with every other (the start-of-text token,
 * the template's opening): taking another chat's sequence for those would throw its turns away to save nothing.
 */
const MIN_PREFIX_SHARE = 0.1;
const MIN_PREFIX_TOKENS = 32;

/** One context sequence with the objects that generate on it. */
export class SequenceSlot {
  /** The sequence's id in the context (0, 1, 2… in the order the pool created them). */
  readonly id: number;
  readonly chat: LlamaChat;
  readonly completion: LlamaCompletion;
  /** The same chat made to start its answer with a function call (created when first needed). */
  private forcedChat?: LlamaChat;
  /** When it was last handed back (0: never used). */
  lastUsed = 0;
  busy = false;

  constructor(readonly sequence: LlamaContextSequence, id: number) {
    this.id = id;
    this.chat = new LlamaChat({ contextSequence: sequence });
    this.completion = new LlamaCompletion({ contextSequence: sequence });
  }

  chatFor(forceFunctionCall: boolean): LlamaChat {
    if (!forceFunctionCall) return this.chat;
    this.forcedChat ??= new LlamaChat({ contextSequence: this.sequence, chatWrapper: forcingFunctionCall(this.chat.chatWrapper) });
    return this.forcedChat;
  }
}

/** A sequence held by one generation until `release`. */
export interface SequenceLease {
  readonly slot: SequenceSlot;
  /** Sequences in use once this one was taken (this one included): the gauge in the request's metrics. */
  readonly inUse: number;
  release(): void;
}

/** Runs of consecutive ids in a set of sequence ids: 0, 1, 3 is two runs. */
function runsOf(ids: readonly number[]): number {
  const sorted = [...ids].sort((a, b) => a - b);
  return sorted.filter((id, index) => index === 0 || id !== sorted[index - 1] + 1).length;
}

/** Tokens the cached state shares with the start of the prompt. */
function sharedPrefix(cached: readonly Token[], prompt: readonly Token[]): number {
  const length = Math.min(cached.length, prompt.length);
  let index = 0;
  while (index < length && cached[index] === prompt[index]) index++;
  return index;
}

/**
 * The context's sequences, one per running generation. Each keeps the tokens of the last generation it ran,
 * so a request goes to the free sequence whose tokens share the longest prefix with its prompt (turn 2 of a
 * chat finds turn 1 there while other chats run on the other sequences).
 *
 * Otherwise it goes where the running sequences' ids stay in as few runs of consecutive ids as possible:
 * node-llama-cpp gives every sequence its own KV cache, and llama.cpp then computes a batch in one pass only
 * over sequences whose ids follow each other (0, 1, 2), in as many passes as there are runs (0, 1, 3 is two),
 * each reading all the weights again. Among equally good ones: an empty sequence, else the one used longest ago.
 */
export class SequencePool {
  private clock = 0;

  constructor(readonly slots: readonly SequenceSlot[]) {}

  get size(): number {
    return this.slots.length;
  }

  get inUse(): number {
    return this.slots.filter((slot) => slot.busy).length;
  }

  /**
   * Takes the best free sequence for a prompt given as the tokens it will occupy. The caller admits no more
   * generations than there are sequences (GenerationGate), so one is always free.
   */
  acquire(prompt: readonly Token[]): SequenceLease {
    const free = this.slots.filter((slot) => !slot.busy);
    if (free.length === 0) throw new Error(`all ${this.slots.length} context sequences are in use`);
    const running = this.slots.filter((slot) => slot.busy).map((slot) => slot.id);
    const runs = new Map(free.map((slot) => [slot, runsOf([...running, slot.id])]));
    // Without a useful prefix: fewest passes per decode, then replace nothing, then the oldest cache.
    free.sort((a, b) => runs.get(a)! - runs.get(b)!
      || Number(a.sequence.nextTokenIndex > 0) - Number(b.sequence.nextTokenIndex > 0)
      || a.lastUsed - b.lastUsed);
    const enough = Math.max(MIN_PREFIX_TOKENS, Math.ceil(prompt.length * MIN_PREFIX_SHARE));
    let chosen = free[0];
    let longest = 0;
    for (const slot of free) {
      const shared = sharedPrefix(slot.sequence.contextTokens, prompt);
      if (shared >= enough && shared > longest) {
        chosen = slot;
        longest = shared;
      }
    }
    chosen.busy = true;
    let released = false;
    return {
      slot: chosen,
      inUse: this.inUse,
      release: () => {
        if (released) return;
        released = true;
        chosen.busy = false;
        chosen.lastUsed = ++this.clock;
      },
    };
  }
}
