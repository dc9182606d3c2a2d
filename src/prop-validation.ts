import { Token } from 'aws-cdk-lib';

/** The runtime accepts model ids of 1-128 letters, digits or . _ - : / @ + (runtime/src/config.ts). */
const MODEL_ID_PATTERN = /^[\w.:/@+-]{1,128}$/;
/** CloudWatch namespaces: letters, digits and . - _ / # : space, not starting with AWS/. */
const NAMESPACE_PATTERN = /^[\w.#:/ -]{1,255}$/;

/** Throws when `modelId` would make the runtime refuse to start. */
export function validateModelId(modelId: string): void {
  if (!Token.isUnresolved(modelId) && !MODEL_ID_PATTERN.test(modelId)) {
    throw new Error(`modelId: ${JSON.stringify(modelId)} is not 1-128 letters, digits or . _ - : / @ +`);
  }
}

/** Throws when `namespace` is not a usable CloudWatch namespace. */
export function validateMetricsNamespace(namespace: string): void {
  if (!Token.isUnresolved(namespace) && (!NAMESPACE_PATTERN.test(namespace) || namespace.startsWith('AWS/'))) {
    throw new Error(`metricsNamespace: ${JSON.stringify(namespace)} is not a CloudWatch namespace (1-255 letters, digits, . - _ / # : or spaces, not starting with "AWS/")`);
  }
}

/** Turns a file name into a model id the runtime accepts: other characters become "-", at most 128. */
export function sanitizeModelId(name: string): string {
  const id = name.replace(/[^\w.:/@+-]/g, '-').slice(0, 128);
  return id === '' ? 'model' : id;
}

/** Throws when `value` is not a concurrency Lambda accepts (0 is Lambda's kill switch: every call is throttled). */
export function validateReservedConcurrency(value: number | undefined): void {
  if (value !== undefined && !Token.isUnresolved(value) && (!Number.isInteger(value) || value < 0)) {
    throw new Error(`reservedConcurrentExecutions: ${value} is not a whole number of at least 0`);
  }
}

/** Lambda function names: 1-64 letters, digits, hyphens or underscores. */
const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

/** Throws when `name` is not a function name Lambda accepts. */
export function validateFunctionName(name: string | undefined): void {
  if (name !== undefined && !Token.isUnresolved(name) && !FUNCTION_NAME_PATTERN.test(name)) {
    throw new Error(`functionName: ${JSON.stringify(name)} is not 1-64 letters, digits, hyphens or underscores`);
  }
}
