import type { IncomingMessage } from 'node:http';

/** How much of a refused body is read and thrown away so the client can see its error response. */
export interface DiscardLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/**
 * Reads and discards what is left of a request body after its error response went out. Closing the
 * connection at once would reset it while the client is still sending, and clients that only read once
 * they finished sending (Node's fetch, the Lambda Web Adapter) would then lose the response. Past the
 * limits (bytes or time) the connection is closed anyway.
 */
export function discardRestOfBody(req: IncomingMessage, limits: DiscardLimits): void {
  // Nothing left to read, or a client that is already gone.
  if (req.complete || req.destroyed) return;
  let discarded = 0;
  const giveUp = (): void => {
    cleanup();
    req.socket.destroy();
  };
  const timer = setTimeout(giveUp, limits.maxMs);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) giveUp();
  };
  const cleanup = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
  };
  req.on('data', onData);
  req.once('end', cleanup);
  req.once('close', cleanup);
  req.resume();
}
