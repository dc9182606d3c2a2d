/** Gives the model to the next in line; `completed` is false for a generation that was cut from outside. */
export type Release = (completed?: boolean) => void;

/**
 * At most `capacity` generations at a time (one per context sequence; one by default, Lambda's
 * one-request-per-environment model), with at most `queueSize` requests waiting. A waiter whose client
 * leaves is dropped from the line.
 */
export class GenerationGate {
  private running = 0;
  private readonly waiting: Array<{ admit: () => void }> = [];
  private averageMs = 5_000;

  constructor(private readonly queueSize: number, private readonly capacity = 1) {}

  get queued(): number {
    return this.waiting.length;
  }

  /** True when a new request would be turned away: checked before any work is spent on it. */
  get isFull(): boolean {
    return this.running >= this.capacity && this.waiting.length >= this.queueSize;
  }

  /** Undefined when the line is full; otherwise resolves with a release function once admitted. */
  enter(signal: AbortSignal): Promise<Release> | undefined {
    if (this.isFull) return undefined;
    if (signal.aborted) return Promise.reject(signal.reason);
    if (this.running < this.capacity) {
      this.running++;
      return Promise.resolve(this.releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter = {
        admit: () => {
          signal.removeEventListener('abort', onAbort);
          resolve(this.releaser());
        },
      };
      const onAbort = () => {
        const index = this.waiting.indexOf(waiter);
        if (index >= 0) this.waiting.splice(index, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.waiting.push(waiter);
    });
  }

  /**
   * A hint for Retry-After, 1 s to 60 s: the line ahead times the recent generation length, shared by the
   * generations that run at once (one of them ends every average / capacity, on average).
   */
  retryAfterSeconds(): number {
    return Math.min(60, Math.max(1, Math.ceil((this.waiting.length + 1) * this.averageMs / this.capacity / 1000)));
  }

  private releaser(): Release {
    const started = performance.now();
    let released = false;
    return (completed = true) => {
      if (released) return;
      released = true;
      // A generation cut short (disconnect, shutdown) says nothing about how long the next one will take.
      if (completed) this.averageMs = 0.7 * this.averageMs + 0.3 * (performance.now() - started);
      const next = this.waiting.shift();
      if (next !== undefined) next.admit();
      else this.running--;
    };
  }
}
