/**
 * Finds the caller's stop sequences in generated text. Text that could still turn into a match is held back
 * (never streamed early) and released once it cannot, or when the generation ends for another reason: so a
 * max_tokens cut in the middle of a partial match still returns that text. node-llama-cpp 3.21.1's own
 * customStopTriggers drop it in that case, which is why the server matches stops itself.
 */
export class StopMatcher {
  private held = '';
  private matchedStop = false;

  constructor(private readonly stops: readonly string[]) {}

  get matched(): boolean {
    return this.matchedStop;
  }

  /** Takes the next piece of text; returns what may be released now (up to a match, if one completed). */
  push(text: string): string {
    if (this.matchedStop) return '';
    const buffer = this.held + text;
    let cut = -1;
    for (const stop of this.stops) {
      const index = buffer.indexOf(stop);
      if (index >= 0 && (cut < 0 || index < cut)) cut = index;
    }
    if (cut >= 0) {
      this.matchedStop = true;
      this.held = '';
      return buffer.slice(0, cut);
    }
    const keep = this.partialMatchLength(buffer);
    this.held = buffer.slice(buffer.length - keep);
    return buffer.slice(0, buffer.length - keep);
  }

  /** The generation ended without a match: whatever was held back belongs to the answer. */
  flush(): string {
    const rest = this.held;
    this.held = '';
    return rest;
  }

  /** Length of the longest end of `buffer` that is the start of some stop sequence. */
  private partialMatchLength(buffer: string): number {
    let longest = 0;
    for (const stop of this.stops) {
      for (let length = Math.min(stop.length - 1, buffer.length); length > longest; length--) {
        if (buffer.endsWith(stop.slice(0, length))) {
          longest = length;
          break;
        }
      }
    }
    return longest;
  }
}
