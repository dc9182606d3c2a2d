import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiError } from './api-error.js';
import { cancelBodyRead } from './read-json-body.js';

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
}

/** Over: answered, and the body read to its end (or the connection gone). */
const isOver = ({ req, res }: Exchange): boolean => (res.writableFinished || res.destroyed) && (req.complete || req.destroyed);

/** The requests not over yet, so a shutdown can answer them and wait for them. */
export class InFlightRequests {
  private readonly exchanges = new Set<Exchange>();

  track(req: IncomingMessage, res: ServerResponse): void {
    const exchange = { req, res };
    this.exchanges.add(exchange);
    const settle = (): void => {
      if (isOver(exchange)) this.exchanges.delete(exchange);
    };
    res.once('close', settle);
    req.once('end', settle);
    req.once('close', settle);
  }

  /** How many are not over; forgets those that are. */
  pending(): number {
    for (const exchange of this.exchanges) if (isOver(exchange)) this.exchanges.delete(exchange);
    return this.exchanges.size;
  }

  /** Answers every request whose body is still arriving with `error` now, instead of once the body is in. */
  cancelBodyReads(error: ApiError): void {
    for (const { req, res } of this.exchanges) if (!req.complete && !res.headersSent) cancelBodyRead(req, error);
  }
}
