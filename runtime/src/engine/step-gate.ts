import type { LlamaContextSequence, Token } from 'node-llama-cpp';

/**
 * How long a generation that has its token may keep the others waiting before a step goes without it. Its
 * own work between two tokens (detokenizing, stop checks, writing the chunk) takes well under a millisecond;
 * longer means it is doing something else (evaluating text it inserts, or it stopped): it joins a later step.
 */
export const DEFAULT_HOLD_LIMIT_MS = 20;

type EvaluateIterator = AsyncGenerator<Token, void, void | Token | Token[]>;

/** One generation of one sequence, once it decodes a token at a time (its prompt is evaluated). */
interface Member {
  /** The sequence's id in its context: members queue their tokens in this order. */
  readonly order: number;
  /** decoding: its token is queued or in the batch; holding: its caller has the token; waiting: at the gate. */
  state: 'decoding' | 'holding' | 'waiting';
  /** When it started holding. */
  since: number;
  release?: () => void;
}

/**
 * Keeps the sequences of one context decoding in step, so each llama.cpp decode carries the next token of
 * every running generation, in the order of their sequence ids (the weights are read once per step for all).
 *
 * Why it is needed: node-llama-cpp's batch loop decodes whatever is queued, then samples each sequence's
 * token (one native call each, finishing at different times) and, as soon as the last sample is in, decodes
 * whatever is queued again. A sequence's next token is queued when its own sample resolves, so the sequence
 * whose sample finished last is not queued yet when the loop looks, and misses the batch; it is decoded in
 * the next one, apart from the rest, and the split repeats at every step. Measured with 4 streams: about 3
 * tokens per decode instead of 4, so every step cost two decodes (docs/benchmarks/parallel.md).
 *
 * So a sequence that has its token waits here before queuing the next one, until every other running
 * sequence has come back too; then they all queue in the same tick and go in one batch. They queue in the
 * order of their sequence ids: node-llama-cpp gives each sequence a KV cache of its own, and llama.cpp then
 * computes one pass over the batch only for sequences whose ids follow each other in batch order; any other
 * order (1, 2, 3, 0) costs a second pass that reads all the weights again. A prompt's first evaluation is
 * never held (a new request starts at once, in the batch of the running ones), and a generation whose caller
 * keeps its token longer than `holdLimitMs` is not waited for.
 */
export class StepGate {
  /** Kept sorted by `order`. */
  private members: Member[] = [];
  private timer?: NodeJS.Timeout;

  constructor(private readonly holdLimitMs = DEFAULT_HOLD_LIMIT_MS) {}

  /**
   * Paces every generation of this sequence: LlamaChat and LlamaCompletion both generate through the
   * sequence's public `evaluate`, so wrapping it there covers chats, completions, tools and grammars alike.
   * `id` is the sequence's id in the context (the context hands them out 0, 1, 2… in `getSequence` order).
   */
  install(sequence: LlamaContextSequence, id: number): void {
    const evaluate = sequence.evaluate.bind(sequence);
    sequence.evaluate = (tokens, options) => this.paced(evaluate(tokens, options), id);
  }

  /** Generations decoding token by token right now. */
  get size(): number {
    return this.members.length;
  }

  private async *paced(inner: EvaluateIterator, order: number): EvaluateIterator {
    const member: Member = { order, state: 'decoding', since: 0 };
    try {
      // The prompt (and its first sampled token) goes straight to the batch.
      let result = await inner.next();
      while (result.done !== true) {
        this.hold(member);
        const input = yield result.value;
        await this.arrive(member);
        result = await inner.next(input);
      }
    } finally {
      this.leave(member);
      await inner.return();
    }
  }

  private hold(member: Member): void {
    member.state = 'holding';
    member.since = performance.now();
    if (this.members.includes(member)) return;
    this.members.push(member);
    this.members.sort((a, b) => a.order - b.order);
  }

  private arrive(member: Member): Promise<void> {
    const admitted = new Promise<void>((resolve) => {
      member.release = resolve;
    });
    member.state = 'waiting';
    this.check();
    return admitted;
  }

  private leave(member: Member): void {
    const index = this.members.indexOf(member);
    if (index < 0) return;
    this.members.splice(index, 1);
    this.check();
  }

  /** Releases the waiting members together once nobody else is about to come back. */
  private check(): void {
    const now = performance.now();
    let waiting = 0;
    let blocking = 0;
    let earliestExpiry = Infinity;
    for (const member of this.members) {
      if (member.state === 'waiting') waiting++;
      else if (member.state === 'decoding') blocking++;
      else if (now - member.since < this.holdLimitMs) {
        blocking++;
        earliestExpiry = Math.min(earliestExpiry, member.since + this.holdLimitMs);
      }
    }
    if (waiting === 0) return;
    if (blocking === 0) {
      this.clearTimer();
      const released = this.members.filter((member) => member.state === 'waiting');
      for (const member of released) member.state = 'decoding';
      // From a fresh task, in sequence-id order: then every member resumes from the same point (the one whose
      // arrival opened the gate would otherwise resume last) and queues its token in this order, and the batch
      // loop, done with the batch before, finds all of them at once.
      setImmediate(() => {
        for (const member of released) member.release!();
      });
      return;
    }
    // Only a holder can keep the gate shut for good: look again when the first one runs out of time.
    if (earliestExpiry !== Infinity && this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.check();
      }, Math.max(1, Math.ceil(earliestExpiry - now)));
    }
  }

  private clearTimer(): void {
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
