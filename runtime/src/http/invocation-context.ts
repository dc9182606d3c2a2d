import type { IncomingHttpHeaders } from 'node:http';
import { freshUuid } from '../entropy.js';

/**
 * What the Lambda Web Adapter tells us about the invocation. It forwards the Lambda context as JSON in
 * the `x-amzn-lambda-context` header (the Rust runtime's Context serialised with serde: `request_id`,
 * `deadline` in epoch milliseconds, `invoked_function_arn`, `xray_trace_id`, `env_config`...).
 */
export interface InvocationContext {
  readonly requestId: string;
  /** Epoch milliseconds at which Lambda stops the invocation, when known. */
  readonly deadlineEpochMs?: number;
}

const SAFE_ID = /^[\w.:/@+=-]{1,128}$/;

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function lambdaContext(headers: IncomingHttpHeaders): Record<string, unknown> | undefined {
  const raw = header(headers, 'x-amzn-lambda-context');
  if (raw === undefined || raw.length > 16_384) return undefined;
  try {
    const parsed: unknown = JSON.parse(raw);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed as Record<string, unknown> : undefined;
  } catch {
    return undefined;
  }
}

function deadlineOf(context: Record<string, unknown> | undefined): number | undefined {
  for (const key of ['deadline', 'deadline_ms']) {
    const value = context?.[key];
    const number = typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;
    if (typeof number === 'number' && Number.isFinite(number) && number > 0) return number;
  }
  return undefined;
}

/**
 * The request id and deadline from the Lambda Web Adapter's headers when they are trusted (the adapter
 * writes them, LLM_TRUST_LAMBDA_CONTEXT=true); otherwise a fresh id and no deadline, since any client could
 * send the same headers.
 */
export function invocationContext(headers: IncomingHttpHeaders, trusted: boolean): InvocationContext {
  if (!trusted) return { requestId: freshUuid() };
  const context = lambdaContext(headers);
  const candidates = [context?.request_id, header(headers, 'x-amzn-request-id'), header(headers, 'x-request-id')];
  // Ids come from headers a client can also send: only well-formed ones reach the logs.
  const requestId = candidates.find((value): value is string => typeof value === 'string' && SAFE_ID.test(value)) ?? freshUuid();
  return { requestId, deadlineEpochMs: deadlineOf(context) };
}
