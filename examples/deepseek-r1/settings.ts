import { Size } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { MODEL_CATALOG, ModelVariant } from './model-catalog';
import { EmbeddingPooling, LlmModelKind } from '../../src';

/** What the example app deploys, read from CDK context (`-c key=value` or cdk.json). */
export interface ExampleSettings {
  readonly variant: ModelVariant;
  readonly model: ModelChoice;
  readonly architecture: lambda.Architecture;
  readonly authType: lambda.FunctionUrlAuthType;
  /** The regulated variant: VPC, KMS keys, reserved concurrency, five cdk-nag packs (README "Compliance"). */
  readonly compliance: boolean;
  readonly snapStart: boolean;
  readonly webUi: boolean;
  /** Execution environments kept initialized (Lambda provisioned concurrency); undefined for none. */
  readonly provisionedConcurrency?: number;
  /** Lambda Managed Instances, in a VPC of the example's own (`steady-load-network.ts`). */
  readonly managedInstances: boolean;
}

/** Where the GGUF file comes from. */
export type ModelChoice =
  | {
    readonly kind: 'url';
    readonly url: string;
    readonly sha256: string;
    readonly size: Size;
    /** Undefined for a custom URL without modelKvCacheBytesPerToken: the library's conservative estimate. */
    readonly kvCacheBytesPerToken?: number;
    /** The catalog's model id; undefined for a custom URL (the library names it after the file). */
    readonly modelId?: string;
    /** Set for an embedding model from the catalog: its kind, pooling and vocabulary, for the tuner. */
    readonly embedding?: { readonly kind: LlmModelKind; readonly pooling: EmbeddingPooling; readonly vocabularySize: number };
  }
  | { readonly kind: 'file'; readonly path: string };

/** The context keys the app understands, with what each accepts. */
export const CONTEXT_KEYS = {
  model: '1.5b | 7b | 8b | qwen3-embedding-0.6b (DeepSeek-R1-Distill-Qwen-1.5B, -Qwen-7B, -Llama-8B, Q4_K_M; or the Qwen3-Embedding-0.6B embedding model, Q8_0)',
  modelUrl: 'https URL of a GGUF file pinned to a fixed revision (with modelSha256 and modelSizeBytes)',
  modelSha256: 'SHA-256 of the file at modelUrl (64 hex characters)',
  modelSizeBytes: 'size of the file at modelUrl in bytes (sizes memory, timeout and /tmp)',
  modelKvCacheBytesPerToken: 'KV cache bytes per token of the model at modelUrl (2 x layers x KV heads x head length x 2); without it the library\'s conservative estimate',
  modelFile: 'path of a local GGUF file to bake into the image instead of downloading one',
  architecture: 'arm64 | x86_64',
  auth: 'iam | none (none = public URL guarded by a generated bearer key)',
  compliance: 'true | false (true = VPC, KMS keys, reserved concurrency; checked by the NIST 800-53 R5, HIPAA and PCI DSS packs too)',
  snapStart: 'true | false (true = cold starts resume from a snapshot of the loaded model; billed per GB cached and restored)',
  webUi: 'true | false (true = the built-in chat page at the URL; browsers cannot sign, so use it with auth=none)',
  provisionedConcurrency: 'a whole number of execution environments kept initialized (Lambda provisioned concurrency, billed while deployed); unset for none',
  managedInstances: 'true | false (true = Lambda Managed Instances: EC2 instances in a VPC of the app\'s own with a NAT gateway, 4 answers decoded at once per environment; for steady load)',
} as const;

type ContextReader = (key: keyof typeof CONTEXT_KEYS) => unknown;

/** Reads and validates the app's context; every error names the key, the value and what it accepts. */
export function readSettings(read: ContextReader): ExampleSettings {
  const text = (key: keyof typeof CONTEXT_KEYS): string | undefined => {
    const value = read(key);
    if (value === undefined || value === null || value === '') return undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      throw new Error(`context ${key}: expected ${CONTEXT_KEYS[key]}, got ${JSON.stringify(value)}`);
    }
    return String(value);
  };
  const oneOf = <T>(key: keyof typeof CONTEXT_KEYS, choices: Record<string, T>, fallback: string): T => {
    const value = (text(key) ?? fallback).toLowerCase();
    if (!Object.prototype.hasOwnProperty.call(choices, value)) throw new Error(`context ${key}=${value}: expected ${CONTEXT_KEYS[key]}`);
    return choices[value];
  };

  const variant = oneOf<ModelVariant>('model', { '1.5b': '1.5b', '7b': '7b', '8b': '8b', 'qwen3-embedding-0.6b': 'qwen3-embedding-0.6b' }, '1.5b');
  const authType = oneOf('auth', { iam: lambda.FunctionUrlAuthType.AWS_IAM, none: lambda.FunctionUrlAuthType.NONE }, 'iam');
  const compliance = oneOf('compliance', { true: true, false: false }, 'false');
  if (compliance && authType !== lambda.FunctionUrlAuthType.AWS_IAM) {
    // A public URL with a bearer key would need a Secrets Manager endpoint, a customer-managed key and
    // rotation for the secret: out of this example's scope.
    throw new Error('context compliance=true needs auth=iam: the regulated variant keeps the URL behind IAM');
  }
  const managedInstances = oneOf('managedInstances', { true: true, false: false }, 'false');
  if (compliance && managedInstances) {
    // The capacity provider's instances pull the image and reach the Lambda service themselves: the regulated
    // network's isolated subnets (no NAT gateway, no endpoints) give them no way out.
    throw new Error('context managedInstances=true cannot be combined with compliance=true: the regulated network has no route out, which the Managed Instances need to pull the image and reach Lambda');
  }
  return {
    variant,
    model: readModelChoice(text, variant),
    architecture: oneOf('architecture', { arm64: lambda.Architecture.ARM_64, x86_64: lambda.Architecture.X86_64 }, 'arm64'),
    authType,
    compliance,
    snapStart: oneOf('snapStart', { true: true, false: false }, 'false'),
    webUi: oneOf('webUi', { true: true, false: false }, 'false'),
    provisionedConcurrency: wholeNumber(text, 'provisionedConcurrency'),
    managedInstances,
  };
}

/** A context value that must be a whole number of at least 1, or unset. */
function wholeNumber(text: (key: keyof typeof CONTEXT_KEYS) => string | undefined, key: keyof typeof CONTEXT_KEYS): number | undefined {
  const raw = text(key);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(value) || value < 1) {
    throw new Error(`context ${key}=${raw}: expected ${CONTEXT_KEYS[key]}`);
  }
  return value;
}

function readModelChoice(text: (key: keyof typeof CONTEXT_KEYS) => string | undefined, variant: ModelVariant): ModelChoice {
  const file = text('modelFile');
  if (file) return { kind: 'file', path: file };

  const catalog = MODEL_CATALOG[variant];
  const url = text('modelUrl');
  if (!url) {
    return {
      kind: 'url',
      url: catalog.url,
      sha256: catalog.sha256,
      size: Size.bytes(catalog.sizeBytes),
      kvCacheBytesPerToken: catalog.kvCacheBytesPerToken,
      modelId: catalog.embedding !== undefined ? variant : `deepseek-r1-distill-${variant}`,
      ...(catalog.embedding !== undefined ? { embedding: { kind: LlmModelKind.EMBEDDING, ...catalog.embedding } } : {}),
    };
  }
  const sha256 = text('modelSha256');
  if (!sha256) throw new Error(`context modelUrl=${url} needs modelSha256 (${CONTEXT_KEYS.modelSha256}): the model is never downloaded unverified`);
  const sizeText = text('modelSizeBytes');
  const sizeBytes = Number(sizeText);
  if (!sizeText || !Number.isSafeInteger(sizeBytes) || sizeBytes <= 0) {
    throw new Error(`context modelSizeBytes=${sizeText ?? '(unset)'}: expected ${CONTEXT_KEYS.modelSizeBytes}`);
  }
  // A custom file's shape is unknown: never borrow the catalog entry's (a model without grouped-query
  // attention needs several times the memory of a distill of the same size).
  const kvText = text('modelKvCacheBytesPerToken');
  const kvCacheBytesPerToken = kvText === undefined ? undefined : Number(kvText);
  if (kvCacheBytesPerToken !== undefined && (!Number.isSafeInteger(kvCacheBytesPerToken) || kvCacheBytesPerToken <= 0)) {
    throw new Error(`context modelKvCacheBytesPerToken=${kvText}: expected ${CONTEXT_KEYS.modelKvCacheBytesPerToken}`);
  }
  return { kind: 'url', url, sha256, size: Size.bytes(sizeBytes), kvCacheBytesPerToken };
}
