import type { ServerResponse } from 'node:http';
import type { ApiError } from './api-error.js';
import { sendError } from './respond.js';

/**
 * Server-Sent Events, written through as soon as each event exists: no compression, no buffering
 * (proxies honour no-transform and X-Accel-Buffering), Nagle off on the socket.
 */
export class SseStream {
  private opened = false;

  constructor(private readonly res: ServerResponse) {}

  get isOpen(): boolean {
    return this.opened;
  }

  open(): void {
    if (this.opened || this.res.destroyed) return;
    this.opened = true;
    this.res.socket?.setNoDelay(true);
    this.res.writeHead(200, {
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    this.res.flushHeaders();
  }

  send(data: unknown): void {
    this.write(`data: ${JSON.stringify(data)}\n\n`);
  }

  /** A named event (`event:` line), as the Responses API streams them. */
  sendEvent(name: string, data: unknown): void {
    this.write(`event: ${name}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  /** Ends a stream whose last event says it is over (no `[DONE]`, as in the Responses API). */
  end(): void {
    this.open();
    if (!this.res.writableEnded) this.res.end();
  }

  private write(text: string): void {
    this.open();
    if (this.res.destroyed || this.res.writableEnded) return;
    this.res.write(text);
  }

  /**
   * An error before the first event is an ordinary JSON error response; after it, the status is already
   * sent, so the error goes out as one last event and the stream ends without [DONE].
   */
  fail(error: ApiError): void {
    if (!this.opened) {
      sendError(this.res, error);
      return;
    }
    this.send(error.toBody());
    this.res.end();
  }

  done(): void {
    this.open();
    if (this.res.destroyed || this.res.writableEnded) return;
    this.res.end('data: [DONE]\n\n');
  }
}
