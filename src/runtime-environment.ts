import { Duration, Size, Token } from 'aws-cdk-lib';
import { RESERVED_ENV_NAMES, RESERVED_ENV_PREFIXES, RuntimeBounds, RuntimeEnv } from './runtime-contract';
import { LambdaLimits } from './sizing/lambda-limits';

/** The runtime's request-handling settings, as the construct's props give them. */
export interface RuntimeTunables {
  readonly queueSize?: number;
  readonly maxGenerationTime?: Duration;
  readonly deadlineMargin?: Duration;
  readonly maxRequestBodySize?: Size;
  /**
   * The function timeout: a cap or margin at or beyond it could never apply. undefined when the timeout is a
   * token: then only the limits that do not depend on it are checked.
   */
  readonly timeoutSeconds?: number;
}

/** A Function URL carries at most 6 MB of request. */
const FUNCTION_URL_MAX_BODY_BYTES = 6 * 1024 * 1024;
const LAMBDA_VARIABLE_NAME = /^[a-zA-Z][a-zA-Z0-9_]+$/;

/**
 * The names Lambda sets itself and refuses in a function's configuration (Lambda's "Defined runtime environment
 * variables", reserved list). TZ, AWS_XRAY_* and AWS_LAMBDA_EXEC_WRAPPER are on its unreserved list: settable.
 */
const LAMBDA_RESERVED_NAMES: readonly string[] = [
  '_HANDLER', '_X_AMZN_TRACE_ID', 'AWS_DEFAULT_REGION', 'AWS_REGION', 'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_INITIALIZATION_TYPE', 'AWS_LAMBDA_LOG_GROUP_NAME', 'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_ACCESS_KEY', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN',
  'AWS_LAMBDA_RUNTIME_API', 'LAMBDA_TASK_ROOT', 'LAMBDA_RUNTIME_DIR',
];

/** A token cannot be checked against the runtime's limits, and the runtime would refuse to start on a bad one. */
function requireKnown(prop: string, isToken: boolean): void {
  if (isToken) {
    throw new Error(`${prop}: must be known at synth (the construct checks it against the function timeout and the runtime's limits), not a token`);
  }
}

/** `duration` in whole `unit`s, or an error naming the prop: the runtime reads whole numbers only. */
function wholeAmount(prop: string, duration: Duration, unit: 'seconds' | 'milliseconds'): number {
  const amount = unit === 'seconds' ? duration.toSeconds({ integral: false }) : duration.toMilliseconds({ integral: false });
  if (!Number.isInteger(amount)) {
    throw new Error(`${prop}: ${duration.toMilliseconds({ integral: false })} ms is not a whole number of ${unit} (the runtime reads whole ${unit})`);
  }
  return amount;
}

/**
 * The variables for the runtime's tunables that are set; unset ones keep the runtime's defaults. Throws
 * naming the prop, the value and the limit.
 */
export function tunableEnvironment(t: RuntimeTunables): { [name: string]: string } {
  const env: { [name: string]: string } = {};
  if (t.queueSize !== undefined) {
    const { min, max } = RuntimeBounds.QUEUE_SIZE;
    if (!Token.isUnresolved(t.queueSize) && (!Number.isInteger(t.queueSize) || t.queueSize < min || t.queueSize > max)) {
      throw new Error(`queueSize: ${t.queueSize} is not a whole number in ${min}-${max}`);
    }
    env[RuntimeEnv.QUEUE_SIZE] = Token.isUnresolved(t.queueSize) ? Token.asString(t.queueSize) : String(t.queueSize);
  }
  if (t.maxGenerationTime !== undefined) {
    requireKnown('maxGenerationTime', t.maxGenerationTime.isUnresolved());
    const seconds = wholeAmount('maxGenerationTime', t.maxGenerationTime, 'seconds');
    // No Lambda invocation outlives 15 minutes, so a longer cap could never apply, whatever the timeout token resolves to.
    const [max, limit] = t.timeoutSeconds !== undefined
      ? [t.timeoutSeconds, 'the function timeout']
      : [Math.min(LambdaLimits.MAX_TIMEOUT_SECONDS, RuntimeBounds.MAX_GENERATION_SECONDS.max), "Lambda's 15-minute limit; the timeout is a token"];
    // 0 would mean "no cap" to the runtime: leaving the prop unset says that.
    if (seconds < 1 || seconds > max) {
      throw new Error(`maxGenerationTime: ${seconds} s is outside 1-${max} s (${limit})`);
    }
    env[RuntimeEnv.MAX_GENERATION_SECONDS] = String(seconds);
  }
  if (t.deadlineMargin !== undefined) {
    requireKnown('deadlineMargin', t.deadlineMargin.isUnresolved());
    const ms = wholeAmount('deadlineMargin', t.deadlineMargin, 'milliseconds');
    const runtimeMax = RuntimeBounds.DEADLINE_MARGIN_MS.max;
    if (ms > runtimeMax) {
      throw new Error(`deadlineMargin: ${ms} ms is more than the runtime's limit of ${runtimeMax} ms (${runtimeMax / 60_000} minutes); the function would not start`);
    }
    if (t.timeoutSeconds !== undefined && ms >= t.timeoutSeconds * 1000) {
      throw new Error(`deadlineMargin: ${ms} ms is not shorter than the function timeout of ${t.timeoutSeconds} s: nothing could ever be generated`);
    }
    env[RuntimeEnv.DEADLINE_MARGIN_MS] = String(ms);
  }
  if (t.maxRequestBodySize !== undefined) {
    requireKnown('maxRequestBodySize', t.maxRequestBodySize.isUnresolved());
    const bytes = t.maxRequestBodySize.toBytes();
    const min = RuntimeBounds.MAX_BODY_BYTES.min;
    const max = Math.min(FUNCTION_URL_MAX_BODY_BYTES, RuntimeBounds.MAX_BODY_BYTES.max);
    if (!Number.isInteger(bytes) || bytes < min || bytes > max) {
      throw new Error(`maxRequestBodySize: ${bytes} bytes is outside ${min}-${max} bytes (a Function URL carries at most 6 MB)`);
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
 * expect would break the function at start, far from the prop that caused it. So are the names Lambda
 * reserves, which would fail the deployment instead.
 */
export function mergeUserEnvironment(own: { [name: string]: string }, user: { [name: string]: string } | undefined): { [name: string]: string } {
  const merged: { [name: string]: string } = { ...own };
  for (const name of Object.keys(user ?? {})) {
    if (LAMBDA_RESERVED_NAMES.includes(name)) {
      throw new Error(`environment: ${name} is reserved by Lambda, which sets it itself and refuses it in a function's configuration (the deployment would fail)`);
    }
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
