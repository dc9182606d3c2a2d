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
  /** Running generations, so a shutdown can stop them. */
  readonly running = new Set<AbortController>();
  private servedFirstRequest = false;
  /** Set by a SnapStart restore until the next request takes it. */
  private restorePending = false;
  /** Epoch milliseconds of the last before-checkpoint hook, to report how old a restored snapshot is. */
  checkpointedAt?: number;

  constructor(readonly config: Config) {
    this.gate = new GenerationGate(config.queueSize);
  }

  /** True for the first request this process serves (a Lambda cold start), false afterwards. */
  takeColdStart(): boolean {
    const cold = !this.servedFirstRequest;
    this.servedFirstRequest = true;
    return cold;
  }

  /**
   * A SnapStart restore: this environment's model was loaded and warmed before the snapshot, so its first
   * request is not a cold start; it is reported as `restored` instead.
   */
  markRestored(): void {
    this.servedFirstRequest = true;
    this.restorePending = true;
  }

  /** True for the first request after a restore. */
  takeRestored(): boolean {
    const restored = this.restorePending;
    this.restorePending = false;
    return restored;
  }
}
