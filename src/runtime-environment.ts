import { Duration, Size, Token } from 'aws-cdk-lib';
import { RESERVED_ENV_NAMES, RESERVED_ENV_PREFIXES, RuntimeEnv } from './runtime-contract';

/** The runtime's request-handling settings, as the construct's props give them. */
export interface RuntimeTunables {
  readonly queueSize?: number;
  readonly maxGenerationTime?: Duration;
  readonly deadlineMargin?: Duration;
  readonly maxRequestBodySize?: Size;
  /** The function timeout: a cap or margin at or beyond it could never apply. */
  readonly timeoutSeconds: number;
}

/** Function URLs carry at most 6 MB of request; the runtime refuses caps below 1 KiB. */
const MIN_BODY_BYTES = 1024;
const MAX_BODY_BYTES = 6 * 1024 * 1024;
const MAX_QUEUE_SIZE = 10_000;
const LAMBDA_VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

function known<T>(value: T | undefined, isToken: (v: T) => boolean): T | undefined {
  return value !== undefined && !isToken(value) ? value : undefined;
}

/**
 * The variables for the runtime's tunables that are set; unset ones keep the runtime's defaults. Throws
 * naming the prop, the value and the limit.
 */
export function tunableEnvironment(t: RuntimeTunables): { [name: string]: string } {
  const env: { [name: string]: string } = {};
  if (t.queueSize !== undefined) {
    if (!Token.isUnresolved(t.queueSize) && (!Number.isInteger(t.queueSize) || t.queueSize < 0 || t.queueSize > MAX_QUEUE_SIZE)) {
      throw new Error(`queueSize: ${t.queueSize} is not a whole number in 0-${MAX_QUEUE_SIZE}`);
    }
    env[RuntimeEnv.QUEUE_SIZE] = Token.isUnresolved(t.queueSize) ? Token.asString(t.queueSize) : String(t.queueSize);
  }
  const maxGeneration = known(t.maxGenerationTime, (d) => d.isUnresolved());
  if (maxGeneration) {
    const seconds = maxGeneration.toSeconds();
    if (seconds < 1 || seconds > t.timeoutSeconds) {
      throw new Error(`maxGenerationTime: ${seconds} s is outside 1-${t.timeoutSeconds} s (the function timeout)`);
    }
    env[RuntimeEnv.MAX_GENERATION_SECONDS] = String(seconds);
  }
  const margin = known(t.deadlineMargin, (d) => d.isUnresolved());
  if (margin) {
    const ms = margin.toMilliseconds();
    if (ms >= t.timeoutSeconds * 1000) {
      throw new Error(`deadlineMargin: ${ms} ms is not shorter than the function timeout of ${t.timeoutSeconds} s: nothing could ever be generated`);
    }
    env[RuntimeEnv.DEADLINE_MARGIN_MS] = String(ms);
  }
  const body = known(t.maxRequestBodySize, (s) => s.isUnresolved());
  if (body) {
    const bytes = body.toBytes();
    if (bytes < MIN_BODY_BYTES || bytes > MAX_BODY_BYTES) {
      throw new Error(`maxRequestBodySize: ${bytes} bytes is outside ${MIN_BODY_BYTES}-${MAX_BODY_BYTES} bytes (a Function URL carries at most 6 MB)`);
    }
    env[RuntimeEnv.MAX_BODY_BYTES] = String(bytes);
  }
  return env;
}

/** Whether the runtime or the Web Adapter reads `name` (then only the construct may set it). */
export function isReservedVariable(name: string): boolean {
  return RESERVED_ENV_PREFIXES.some((prefix) => name.startsWith(prefix)) || (RESERVED_ENV_NAMES as readonly string[]).includes(name);
}

/**
 * The user's `environment` merged after the construct's own variables. Every name the runtime or the
 * adapter reads is refused, set or not: a plaintext `LLM_API_KEY` or a `PORT` the adapter does not
 * expect would break the function at start, far from the prop that caused it.
 */
export function mergeUserEnvironment(own: { [name: string]: string }, user: { [name: string]: string } | undefined): { [name: string]: string } {
  const merged: { [name: string]: string } = { ...own };
  for (const name of Object.keys(user ?? {})) {
    if (!LAMBDA_VARIABLE_NAME.test(name)) {
      throw new Error(`environment: ${JSON.stringify(name)} is not a variable name Lambda accepts (a letter, then letters, digits or _)`);
    }
    if (isReservedVariable(name)) {
      throw new Error(`environment: ${name} is read by the runtime or the Lambda Web Adapter; set it through the construct's props (LLM_*, AWS_LWA_*, PORT and HOST are reserved)`);
    }
    merged[name] = user![name];
  }
  return merged;
}
