import type { BearerKey } from './auth/bearer-key.js';
import type { Config } from './config.js';
import type { EmbeddingEngine } from './engine/embedding-engine.js';
import type { Engine } from './engine/engine.js';
import { GenerationGate } from './engine/generation-gate.js';

export type AppState = 'loading' | 'ready' | 'stopping';

/** Why a generation was cut from outside the model. */
export type AbortCause = 'disconnect' | 'deadline' | 'time_limit' | 'shutdown';

/** What the request handlers share: the loaded model, the gate in front of it and the settings. */
export class App {
  state: AppState = 'loading';
  /** The generation engine; undefined for an embedding model. */
  engine?: Engine;
  /** The embedding contexts: an embedding model's, or a generation model's with LLM_EMBEDDINGS=true. */
  embeddings?: EmbeddingEngine;
  modelId?: string;
  /** Epoch seconds of readiness, reported as the model's `created`. */
  readyAt = 0;
  bearerKey?: BearerKey;
  readonly gate: GenerationGate;
  /** Running and queued generations, so a shutdown can stop them. */
  readonly running = new Set<{ abort(cause: AbortCause): void }>();
  private startedFirstGeneration = false;
  /** Set by a SnapStart restore until the next generation takes it. */
  private restorePending = false;
  /** Epoch milliseconds of the last before-checkpoint hook, to report how old a restored snapshot is. */
  checkpointedAt?: number;

  constructor(readonly config: Config) {
    this.gate = new GenerationGate(config.queueSize, config.parallel);
  }

  /**
   * How the environment of this generation started, for its log line: `coldStart` for the first generation
   * the process runs (it paid the model load), `restored` for the first after a SnapStart restore (the model
   * was loaded and warmed before the snapshot). Requests that generate nothing (errors, /v1/models) take neither.
   */
  takeStart(): { coldStart: boolean; restored: boolean } {
    const start = { coldStart: !this.startedFirstGeneration, restored: this.restorePending };
    this.startedFirstGeneration = true;
    this.restorePending = false;
    return start;
  }

  /** A SnapStart restore: the next generation is reported as restored, never as a cold start. */
  markRestored(): void {
    this.startedFirstGeneration = true;
    this.restorePending = true;
  }
}
