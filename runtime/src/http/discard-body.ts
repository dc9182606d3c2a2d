import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** How much of a refused body is read and thrown away so the client can see its error response. */
export interface DiscardLimits {
  readonly maxBytes: number;
  readonly maxMs: number;
}

/** Connections whose request body is being read and thrown away after its answer. */
const discarding = new WeakSet<Socket>();

/** Whether this connection already answered its request and is only draining the rest of the body. */
export function isDiscardingBody(socket: Socket): boolean {
  return discarding.has(socket);
}

/**
 * Reads and discards what is left of a request body once its error response is decided (call it before
 * sending that response). Closing the connection at once would reset it while the client is still sending,
 * and clients that only read once they finished sending (Node's fetch, the Lambda Web Adapter) would then
 * lose the response. Past the limits (bytes or time) the connection is closed anyway.
 *
 * When the connection is to close after this answer (the client sent `Connection: close`, or the answer
 * says `close`), Node ends it with `socket.destroySoon()` as soon as the answer is flushed, which has the
 * same effect. Until the body is read, that call only half-closes (the answer and a FIN go out, reading
 * goes on): the lingering close of RFC 9112 §9.6. The connection is closed once the body has arrived.
 */
export function discardRestOfBody(req: IncomingMessage, limits: DiscardLimits): void {
  // Nothing left to read, or a client that is already gone.
  if (req.complete || req.destroyed) return;
  const socket = req.socket;
  discarding.add(socket);
  socket.destroySoon = () => {
    if (socket.writable) socket.end();
  };
  let discarded = 0;
  const giveUp = (): void => {
    cleanup();
    socket.destroy();
  };
  const timer = setTimeout(giveUp, limits.maxMs);
  timer.unref();
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > limits.maxBytes) giveUp();
  };
  let cleaned = false;
  const cleanup = (): void => {
    if (cleaned) return;
    cleaned = true;
    clearTimeout(timer);
    req.off('data', onData);
    discarding.delete(socket);
    delete (socket as { destroySoon?: () => void }).destroySoon;
    // Half-closed above: the body is in, nothing more is coming, the connection can go.
    if (socket.writableEnded && !socket.destroyed) socket.destroySoon();
  };
  req.on('data', onData);
  req.once('end', cleanup);
  req.once('close', cleanup);
  req.resume();
}
