import type { BearerKey } from './auth/bearer-key.js';
import type { Config } from './config.js';
import type { Engine } from './engine/engine.js';
import { GenerationGate } from './engine/generation-gate.js';

export type AppState = 'loading' | 'ready' | 'stopping';

/** Why a generation was cut from outside the model. */
export type AbortCause = 'disconnect' | 'deadline' | 'time_limit' | 'shutdown';

/** What the request handlers share: the loaded model, the gate in front of it and the settings. */
export class App {
  state: AppState = 'loading';
  engine?: Engine;
  modelId?: string;
  /** Epoch seconds of readiness, reported as the model's `created`. */
  readyAt = 0;
  bearerKey?: BearerKey;
  readonly gate: GenerationGate;
  /** Running and queued generations, so a shutdown can stop them. */
  readonly running = new Set<{ abort(cause: AbortCause): void }>();
  private startedFirstGeneration = false;

  constructor(readonly config: Config) {
    this.gate = new GenerationGate(config.queueSize);
  }

  /**
   * True for the first generation this process runs (the one that paid the Lambda cold start), false
   * afterwards; requests that generate nothing (errors, /v1/models) never take it.
   */
  takeColdStart(): boolean {
    const cold = !this.startedFirstGeneration;
    this.startedFirstGeneration = true;
    return cold;
  }
}
