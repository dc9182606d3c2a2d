import { ComputeShape, LAMBDA_COMPUTE } from './compute-shape';
import { embeddingContextMb, embeddingContexts, recommendedEmbeddingTimeoutSeconds } from './embedding';
import { recommendedEphemeralStorageMb } from './ephemeral-storage';
import { kvCacheMb } from './kv-cache';
import { LambdaLimits, MIB } from './lambda-limits';
import { DEFAULT_MINIMUM_VCPUS, hardMinimumMemoryMb, recommendedMemoryMb, threadsForMemory, tunedMemoryMb, vcpuShare } from './memory';
import { modelLoadSeconds, recommendedTimeoutSeconds } from './timeout';

/** Room the runtime's own image layers take (Debian slim Node base, server, node-llama-cpp CPU binary). */
export const RUNTIME_IMAGE_MB = 400;

/** The runtime's default request body limit (LLM_MAX_BODY_BYTES). */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 1_048_576;

/** The function's embedding contexts, as far as the model's header tells. */
export interface EmbeddingSizing {
  /** An embedding model: no generation context, no answers to budget for. */
  readonly embeddingOnly: boolean;
  /** Mean/CLS pooling or bidirectional attention; undefined when the header was not read (assumed). */
  readonly wholeInputBatches?: boolean;
  /** Undefined when the header was not read (a large vocabulary is assumed). */
  readonly vocabularySize?: number;
  /** The context the model was trained for, when known: the runtime caps embedding contexts at it. */
  readonly trainedContextLength?: number;
}

/** What the tuner needs to know; optional values are the user's explicit settings. */
export interface TuningInputs {
  readonly modelBytes: number;
  readonly kvCacheBytesPerToken: number;
  /** true: the model is downloaded into /tmp at start; false: it is baked into the image. */
  readonly downloadsAtStart: boolean;
  readonly contextSize: number;
  readonly maxTokens: number;
  readonly threads?: number;
  readonly memorySizeMb?: number;
  readonly timeoutSeconds?: number;
  readonly ephemeralStorageMb?: number;
  /** SnapStart: the model loads while the version is published, not inside an invocation. */
  readonly snapStart?: boolean;
  /**
   * How memory buys vCPUs, and its limits.
   *
   * @default LAMBDA_COMPUTE
   */
  readonly compute?: ComputeShape;
  /**
   * Generations decoded at once in one execution environment, each with a KV cache of its own.
   *
   * @default 1
   */
  readonly parallel?: number;
  /** Set when the function embeds: an embedding model, or a generation model with `embeddings: true`. */
  readonly embedding?: EmbeddingSizing;
  /** @default DEFAULT_MAX_REQUEST_BODY_BYTES */
  readonly maxRequestBodyBytes?: number;
}

/** The settings the function gets, and why. */
export interface Tuning {
  readonly memoryMb: number;
  readonly threads: number;
  readonly timeoutSeconds: number;
  readonly ephemeralStorageMb: number;
  /** All KV caches together (one per parallel generation). */
  readonly kvCacheMb: number;
  /** Embedding contexts the runtime will create (0 when the function does not embed). */
  readonly embeddingContexts: number;
  /** What they can take together: KV caches and batch buffers. */
  readonly embeddingContextsMb: number;
  readonly recommendedMemoryMb: number;
  readonly hardMinimumMemoryMb: number;
  readonly vcpuShare: number;
  /** Allowed but questionable choices, for Annotations. */
  readonly warnings: string[];
}

const fmt = (mb: number) => `${Math.ceil(mb)} MB`;

function requireWholeNumber(prop: string, value: number, min: number, max: number, unit: string, why: string): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${prop}: ${value}${unit} is not a whole number in ${min}-${max}${unit} (${why})`);
  }
}

/**
 * Derives memory, threads, timeout and /tmp from the model and the request limits, validating every Lambda
 * limit. Throws an Error naming the prop, its value and the limit when a setting cannot work.
 */
export function tune(inputs: TuningInputs): Tuning {
  requireWholeNumber('contextSize', inputs.contextSize, 64, 1_048_576, ' tokens', 'the context window in tokens');
  const shape = inputs.compute ?? LAMBDA_COMPUTE;
  const parallel = inputs.parallel ?? 1;
  // An embedding model generates nothing: its maxTokens (a default) bounds nothing.
  if (inputs.embedding?.embeddingOnly !== true) {
    requireWholeNumber('maxTokens', inputs.maxTokens, 1, inputs.contextSize, ' tokens', `an answer cannot be longer than contextSize ${inputs.contextSize}`);
  }
  if (inputs.threads !== undefined) {
    requireWholeNumber('threads', inputs.threads, 1, shape.maxVcpus, '', `${shape.name} gives at most ${shape.maxVcpus} vCPUs`);
  }
  const warnings: string[] = [];
  const modelMb = inputs.modelBytes / MIB;
  const embedding = inputs.embedding;
  const kvMb = embedding?.embeddingOnly === true ? 0 : kvCacheMb(inputs.kvCacheBytesPerToken, inputs.contextSize) * parallel;
  // The runtime makes one embedding context per thread, at most two; threads follow memory unless given.
  const plannedThreads = inputs.threads ?? (inputs.memorySizeMb !== undefined ? threadsForMemory(inputs.memorySizeMb, shape) : DEFAULT_MINIMUM_VCPUS);
  const contexts = embedding !== undefined ? embeddingContexts(plannedThreads) : 0;
  const contextMb = embedding !== undefined ? embeddingContextMb({
    kvCacheBytesPerToken: inputs.kvCacheBytesPerToken,
    contextSize: Math.min(inputs.contextSize, embedding.trainedContextLength ?? inputs.contextSize),
    wholeInputBatches: embedding.wholeInputBatches,
    vocabularySize: embedding.vocabularySize,
  }) : 0;
  const workingMb = kvMb + contexts * contextMb;
  const recommended = recommendedMemoryMb(inputs.modelBytes, workingMb);
  const hardMinimum = hardMinimumMemoryMb(inputs.modelBytes, workingMb);
  const caches = parallel === 1 ? `contextSize ${inputs.contextSize}` : `${parallel} sequences of contextSize ${inputs.contextSize}`;
  const working = [
    ...(kvMb > 0 ? [`${fmt(kvMb)} of KV cache`] : []),
    ...(contexts > 0 ? [`${fmt(contexts * contextMb)} for ${contexts} embedding context${contexts > 1 ? 's' : ''} (KV cache and batch buffers)`] : []),
  ].join(' and ');
  const needs = `the ${fmt(modelMb)} model file plus ${working} for ${caches} need at least ${fmt(hardMinimum)}`;

  if (!inputs.downloadsAtStart && modelMb + RUNTIME_IMAGE_MB > LambdaLimits.MAX_IMAGE_MB) {
    throw new Error(`model: a ${fmt(modelMb)} model plus the ~${RUNTIME_IMAGE_MB} MB runtime exceeds Lambda's container image limit of ${LambdaLimits.MAX_IMAGE_MB} MB; serve it with LlmModel.fromBucket instead`);
  }

  let memoryMb: number;
  if (inputs.memorySizeMb !== undefined) {
    memoryMb = inputs.memorySizeMb;
    requireWholeNumber('memorySize', memoryMb, shape.minMemoryMb, shape.maxMemoryMb, ' MB', `${shape.possessive} memory limits`);
    if (memoryMb < hardMinimum) {
      throw new Error(`memorySize: ${memoryMb} MB cannot hold the model: ${needs} (${shape.possessive} limit: ${shape.maxMemoryMb} MB)`);
    }
    if (memoryMb < recommended) {
      warnings.push(`memorySize ${memoryMb} MB is below the ${recommended} MB the tuner recommends for this model and ${caches}: the function may run out of memory`);
    }
  } else {
    if (hardMinimum > shape.maxMemoryMb) {
      // Unknown embedding traits are sized for the worst case: the model card's facts may well fit.
      const unknownTraits = embedding !== undefined && (embedding.wholeInputBatches === undefined || embedding.vocabularySize === undefined)
        ? ' (the embedding contexts are sized for the worst case: give the model source embeddingPooling and vocabularySize from the model card, or use LlmModel.fromFile, which reads them)' : '';
      throw new Error(`model: ${needs}, more than ${shape.possessive} memory limit of ${shape.maxMemoryMb} MB; use a smaller model or quantization, or a smaller contextSize${unknownTraits}`);
    }
    memoryMb = tunedMemoryMb(inputs.modelBytes, workingMb, inputs.threads, shape);
    if (recommended > shape.maxMemoryMb) {
      warnings.push(`the model needs ${recommended} MB with the tuner's headroom; it gets ${shape.possessive} maximum of ${shape.maxMemoryMb} MB, which leaves little room`);
    }
  }

  const share = vcpuShare(memoryMb, shape);
  const threads = inputs.threads ?? threadsForMemory(memoryMb, shape);
  if (inputs.threads !== undefined && inputs.threads > Math.max(1, Math.ceil(share))) {
    warnings.push(`threads ${inputs.threads} exceeds the ${share.toFixed(2)} vCPUs that ${memoryMb} MB gives: threads will wait on each other and generation slows down`);
  }

  let timeoutSeconds: number;
  if (inputs.timeoutSeconds !== undefined) {
    timeoutSeconds = inputs.timeoutSeconds;
    if (timeoutSeconds < 1 || timeoutSeconds > LambdaLimits.MAX_TIMEOUT_SECONDS) {
      throw new Error(`timeout: ${timeoutSeconds} s is outside Lambda's range of 1-${LambdaLimits.MAX_TIMEOUT_SECONDS} s (15 minutes)`);
    }
    // The Web Adapter finishes loading the model inside the first invocation, so its timeout must cover the
    // load; with SnapStart the load happens while the version is published, and invocations restore it.
    const loadSeconds = Math.ceil(modelLoadSeconds(inputs.modelBytes, inputs.downloadsAtStart));
    if (!inputs.snapStart && timeoutSeconds < loadSeconds) {
      warnings.push(`timeout ${timeoutSeconds} s is shorter than the ${loadSeconds} s the tuner estimates for a cold start to load this model: an instance reset before the model is loaded never answers`);
    }
  } else {
    const generationSeconds = embedding?.embeddingOnly === true ? 0 : recommendedTimeoutSeconds({
      modelBytes: inputs.modelBytes,
      threads,
      contextSize: inputs.contextSize,
      maxTokens: inputs.maxTokens,
      downloadsAtStart: inputs.downloadsAtStart,
      parallel,
    });
    const embeddingSeconds = embedding === undefined ? 0 : recommendedEmbeddingTimeoutSeconds({
      modelBytes: inputs.modelBytes,
      threads,
      contextSize: inputs.contextSize,
      maxRequestBodyBytes: inputs.maxRequestBodyBytes ?? DEFAULT_MAX_REQUEST_BODY_BYTES,
      downloadsAtStart: inputs.downloadsAtStart,
    });
    timeoutSeconds = Math.max(generationSeconds, embeddingSeconds);
  }

  let ephemeralStorageMb: number;
  if (inputs.ephemeralStorageMb !== undefined) {
    ephemeralStorageMb = inputs.ephemeralStorageMb;
    requireWholeNumber('ephemeralStorageSize', ephemeralStorageMb, LambdaLimits.MIN_EPHEMERAL_STORAGE_MB, LambdaLimits.MAX_EPHEMERAL_STORAGE_MB, ' MB', "Lambda's /tmp limits");
    if (inputs.downloadsAtStart && ephemeralStorageMb < modelMb) {
      throw new Error(`ephemeralStorageSize: ${ephemeralStorageMb} MB cannot hold the ${fmt(modelMb)} model downloaded to /tmp at start (Lambda's limit: ${LambdaLimits.MAX_EPHEMERAL_STORAGE_MB} MB)`);
    }
  } else {
    if (inputs.downloadsAtStart && modelMb > LambdaLimits.MAX_EPHEMERAL_STORAGE_MB) {
      throw new Error(`model: a ${fmt(modelMb)} model cannot be downloaded into /tmp: Lambda's ephemeral storage limit is ${LambdaLimits.MAX_EPHEMERAL_STORAGE_MB} MB`);
    }
    ephemeralStorageMb = Math.min(LambdaLimits.MAX_EPHEMERAL_STORAGE_MB, recommendedEphemeralStorageMb(inputs.modelBytes, inputs.downloadsAtStart));
  }

  return {
    memoryMb,
    threads,
    timeoutSeconds,
    ephemeralStorageMb,
    kvCacheMb: kvMb,
    embeddingContexts: contexts,
    embeddingContextsMb: contexts * contextMb,
    recommendedMemoryMb: recommended,
    hardMinimumMemoryMb: hardMinimum,
    vcpuShare: share,
    warnings,
  };
}
