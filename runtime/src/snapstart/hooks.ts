import { loadBearerKey } from '../auth/bearer-key-source.js';
import { notReady, queueFull } from '../http/api-error.js';
import { sendJson } from '../http/respond.js';
import { log } from '../observability/log.js';
import { GenerationStops } from '../routes/generation-stops.js';
import type { RequestScope } from '../routes/request-scope.js';

/**
 * POST {AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH}: the Web Adapter calls it once the server is ready and
 * before Lambda takes the snapshot. One short generation (or embedding) allocates what the first request would otherwise
 * allocate, so every environment restored from the snapshot starts warm. Calling it again warms again.
 */
export async function beforeCheckpoint(scope: RequestScope): Promise<void> {
  const { app } = scope;
  if (app.state !== 'ready') throw notReady(app.state);
  const started = performance.now();
  // Watched like any generation: a shutdown stops it (and waits for it) before the model is freed.
  const stops = new GenerationStops(scope);
  let warmUpTokens: number;
  try {
    const admission = app.gate.enter(stops.signal);
    if (admission === undefined) throw queueFull(app.gate.retryAfterSeconds());
    const release = await admission.catch(() => undefined);
    if (release === undefined) throw notReady('stopping');
    try {
      // Whatever the model serves: the generation engine, the embedding contexts, or both.
      warmUpTokens = (await app.engine?.warmUp(stops.signal) ?? 0) + (await app.embeddings?.warmUp(stops.signal) ?? 0);
    } finally {
      release();
    }
    // A warm-up cut short is no warm-up: fail the hook (and with it the snapshot) rather than report ready.
    if (stops.cause !== undefined) throw notReady('stopping');
  } finally {
    stops.dispose();
  }
  const warmUpMs = Math.round(performance.now() - started);
  app.checkpointedAt = Date.now();
  log({ event: 'snapstart_before_checkpoint', warmUpMs, warmUpTokens });
  scope.status = 200;
  sendJson(scope.res, 200, { status: 'ok', warmUpMs, warmUpTokens });
}

/**
 * POST {AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH}: the Web Adapter calls it after a restore, before traffic.
 * Everything in memory is a copy shared with every other environment restored from the same snapshot.
 * Sampling seeds and ids are already drawn fresh from the kernel per request (entropy.ts), and no
 * connection outlives a call, so what is left is the bearer key, which may have been rotated since the
 * snapshot: it is read again. A failure is an error answer, which fails the restore rather than serving
 * with a stale key.
 */
export async function afterRestore(scope: RequestScope): Promise<void> {
  const { app } = scope;
  if (app.state !== 'ready') throw notReady(app.state);
  const started = performance.now();
  if (app.config.apiKeySecretArn !== undefined) app.bearerKey = await loadBearerKey(app.config);
  app.markRestored();
  const ms = Math.round(performance.now() - started);
  log({
    event: 'restore',
    ms,
    snapshotAgeMs: app.checkpointedAt === undefined ? undefined : Date.now() - app.checkpointedAt,
  });
  scope.status = 200;
  sendJson(scope.res, 200, { status: 'ok', ms });
}
