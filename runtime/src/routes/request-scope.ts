import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from '../app.js';
import type { InvocationContext } from '../http/invocation-context.js';
import type { EmbeddingRecord, GenerationRecord } from '../observability/request-metrics.js';

/** One request as the handlers see it, and what its log line will say. */
export interface RequestScope {
  readonly app: App;
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly route: string;
  readonly invocation: InvocationContext;
  /** performance.now() when the request arrived. */
  readonly arrivedAt: number;
  status: number;
  /** Set when the request ran a generation: how its environment started (see App.takeStart). */
  coldStart?: boolean;
  restored?: boolean;
  errorCode?: string;
  generation?: GenerationRecord;
  embedding?: EmbeddingRecord;
  loggedPrompt?: unknown;
  loggedResponse?: string;
  loggedReasoning?: string;
}
