import type { LlamaChatResponseChunk } from 'node-llama-cpp';
import { StopMatcher } from './stop-matcher.js';
import type { Delta } from './types.js';

/**
 * Accumulates what was generated and forwards each non-empty piece as it arrives, minus the caller's stop
 * sequences: a stop (in the reasoning or in the answer, as documented) ends the text before the match and
 * calls `onStop` so the generation can be ended.
 */
export class OutputCollector {
  content = '';
  reasoning = '';
  reasoningTokens = 0;
  private readonly matchers: Readonly<Record<Delta['kind'], StopMatcher>>;
  private lastKind?: Delta['kind'];

  constructor(stops: readonly string[], private readonly onDelta: (delta: Delta) => void, private readonly onStop: () => void) {
    this.matchers = { content: new StopMatcher(stops), reasoning: new StopMatcher(stops) };
  }

  /** A stop sequence was found: nothing after it counts. */
  get stopped(): boolean {
    return this.matchers.content.matched || this.matchers.reasoning.matched;
  }

  chatChunk(chunk: LlamaChatResponseChunk): void {
    if (chunk.type === 'segment') {
      if (chunk.segmentType !== 'thought') return;
      this.reasoningTokens += chunk.tokens.length;
      this.receive('reasoning', chunk.text);
      return;
    }
    this.receive('content', chunk.text);
  }

  text(text: string): void {
    this.receive('content', text);
  }

  /** The generation ended without a stop sequence: text held back as a possible match is part of the answer. */
  finish(): void {
    if (this.stopped) return;
    for (const kind of ['reasoning', 'content'] as const) this.release(kind, this.matchers[kind].flush());
  }

  private receive(kind: Delta['kind'], text: string): void {
    if (this.stopped || text === '') return;
    // The thought segment closed: a partial match at its end can no longer complete.
    if (this.lastKind !== undefined && this.lastKind !== kind) this.release(this.lastKind, this.matchers[this.lastKind].flush());
    this.lastKind = kind;
    const matcher = this.matchers[kind];
    this.release(kind, matcher.push(text));
    if (matcher.matched) this.onStop();
  }

  private release(kind: Delta['kind'], text: string): void {
    if (text === '') return;
    if (kind === 'content') this.content += text;
    else this.reasoning += text;
    this.onDelta({ kind, text });
  }
}
