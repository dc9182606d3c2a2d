import { ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Reads a child's stdout as lines and hands them out in order, one promise per line, so a caller can
 * `await next()` without losing lines that arrive before it asks.
 */
export class LineReader {
  private readonly queued: string[] = [];
  private readonly waiting: Array<{ resolve: (line: string) => void; reject: (error: Error) => void }> = [];
  private closedError: Error | undefined;

  constructor(child: ChildProcess, private readonly onLine?: (line: string) => boolean) {
    if (!child.stdout) throw new Error('child process has no stdout pipe');
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => {
      // A listener can consume lines (e.g. metrics logs) so they never reach next().
      if (this.onLine?.(line)) return;
      const waiter = this.waiting.shift();
      if (waiter) waiter.resolve(line);
      else this.queued.push(line);
    });
    child.on('exit', (code, signal) => {
      this.closedError = new Error(`child exited (code ${code}, signal ${signal})`);
      for (const waiter of this.waiting.splice(0)) waiter.reject(this.closedError);
    });
  }

  next(timeoutMs: number): Promise<string> {
    const line = this.queued.shift();
    if (line !== undefined) return Promise.resolve(line);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const waiter = {
        resolve: (value: string) => { clearTimeout(timer); resolve(value); },
        reject: (error: Error) => { clearTimeout(timer); reject(error); },
      };
      const timer = setTimeout(() => {
        this.waiting.splice(this.waiting.indexOf(waiter), 1);
        reject(new Error(`no line from child within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.push(waiter);
    });
  }
}
