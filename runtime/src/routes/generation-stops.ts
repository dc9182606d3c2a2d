import type { AbortCause } from '../app.js';
import type { RequestScope } from './request-scope.js';

/** setTimeout's largest delay; a longer one fires at once (Node's 32-bit overflow). */
const MAX_TIMER_MS = 2_147_483_647;

/**
 * What can end a generation from outside the model, watched from the moment a request is accepted (before
 * anything is awaited, so a client that leaves while its grammar is built or while it waits in line is
 * noticed): the client's disconnect, the Lambda deadline, the wall-clock cap and the server's shutdown.
 */
export class GenerationStops {
  private readonly controller = new AbortController();
  private readonly timers: NodeJS.Timeout[] = [];
  private why?: AbortCause;
  private readonly onClose = (): void => {
    if (!this.scope.res.writableFinished) this.abort('disconnect');
  };

  constructor(private readonly scope: RequestScope) {
    scope.res.on('close', this.onClose);
    const { invocation, app } = scope;
    if (invocation.deadlineEpochMs !== undefined) {
      const budgetMs = invocation.deadlineEpochMs - app.config.deadlineMarginMs - Date.now();
      this.after(budgetMs, 'deadline');
    }
    app.running.add(this);
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** Why the generation was stopped, if it was. */
  get cause(): AbortCause | undefined {
    return this.why;
  }

  abort(why: AbortCause): void {
    if (this.controller.signal.aborted) return;
    this.why = why;
    this.controller.abort(new Error(`generation stopped: ${why}`));
  }

  /** Starts the wall-clock cap (LLM_MAX_GENERATION_SECONDS) once the model is ours. */
  startTimeLimit(): void {
    const seconds = this.scope.app.config.maxGenerationSeconds;
    if (seconds > 0) this.after(seconds * 1000, 'time_limit');
  }

  dispose(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.scope.res.off('close', this.onClose);
    this.scope.app.running.delete(this);
  }

  private after(ms: number, why: AbortCause): void {
    if (ms <= 0) {
      this.abort(why);
      return;
    }
    // A deadline further away than a timer can wait is, for this request, no deadline.
    if (ms > MAX_TIMER_MS) return;
    this.timers.push(setTimeout(() => this.abort(why), ms));
  }
}
