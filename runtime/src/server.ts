import { createServer, type Server } from 'node:http';
import { availableParallelism } from 'node:os';
import { App } from './app.js';
import { loadBearerKey } from './auth/bearer-key-source.js';
import { ConfigError, loadConfig, modelIdFor, type Config } from './config.js';
import { notReady } from './http/api-error.js';
import { answerClientError } from './http/client-error.js';
import { InFlightRequests } from './http/in-flight.js';
import { resolveModel } from './model-path.js';
import { readModelTraits } from './model-source/model-traits.js';
import type { Engine as GenerationEngine } from './engine/engine.js';
import { errorFields, log } from './observability/log.js';
import { handleRequest } from './router.js';

async function loadModel(app: App, startedAt: number): Promise<void> {
  const { config } = app;
  // node-llama-cpp (import and native bindings, about 1 s) loads while the model file is found and its
  // header validated; imported here rather than at the top so the server listens (and /health answers)
  // without waiting for it.
  const llama = import('./engine/engine.js').then(async ({ Engine }) => ({ Engine, llama: await Engine.startLlama({ threads: config.threads, log }) }));
  llama.catch(() => undefined); // a failure is reported where it is awaited, below
  const modelPath = await resolveModel(config, log);
  // The kind decides which contexts exist: an embedding model never gets a generation context (nor its KV cache).
  const traits = await readModelTraits(modelPath);
  const loadStarted = performance.now();
  const { Engine, llama: bindings } = await llama;
  const { EmbeddingEngine } = await import('./engine/embedding-engine.js');
  const embeddingOptions = {
    llama: bindings, contextSize: config.contextSize, threads: config.threads,
    wholeInputBatches: !traits.causal || traits.pooling === 'mean' || traits.pooling === 'cls',
  };
  let engine: GenerationEngine | undefined;
  let weightsMs: number;
  if (traits.kind === 'embedding') {
    const model = await bindings.loadModel({ modelPath, useMmap: config.useMmap });
    weightsMs = performance.now() - loadStarted;
    app.embeddings = await EmbeddingEngine.create({ ...embeddingOptions, model, ownsModel: true });
  } else {
    engine = await Engine.load({
      llama: bindings, modelPath, contextSize: config.contextSize, threads: config.threads, useMmap: config.useMmap,
      isolateRequests: config.isolateRequests, parallel: config.parallel,
    });
    weightsMs = engine.loadTimings.weightsMs;
    if (config.embeddings) app.embeddings = await EmbeddingEngine.create({ ...embeddingOptions, model: engine.llamaModel, ownsModel: false });
    app.engine = engine;
  }
  app.modelId = modelIdFor(config, modelPath);
  log({
    event: 'model_loaded',
    modelId: app.modelId,
    modelPath,
    kind: traits.kind,
    pooling: traits.pooling,
    loadMs: Math.round(performance.now() - loadStarted),
    weightsMs: Math.round(weightsMs),
    contextMs: engine !== undefined ? Math.round(engine.loadTimings.contextMs) : undefined,
    contextSize: engine?.contextSize ?? app.embeddings?.contextSize,
    requestedContextSize: config.contextSize,
    threads: config.threads,
    parallel: engine?.parallel,
    // LLM_CONTEXT_SIZE is per sequence: every sequence has its own part of the KV cache.
    kvCacheTokens: engine !== undefined ? engine.contextSize * engine.parallel : undefined,
    chatWrapper: engine?.chatWrapperName,
    ...(app.embeddings !== undefined ? {
      embeddingContexts: app.embeddings.contextCount, embeddingContextSize: app.embeddings.contextSize,
      embeddingBatchSize: app.embeddings.batchSize, embeddingDimensions: app.embeddings.dimensions,
    } : {}),
    sinceStartMs: Math.round(performance.now() - startedAt),
    ...(engine !== undefined && engine.parallel > 1 ? {
      message: `${engine.parallel} generations at once, each on a sequence of ${engine.contextSize} tokens: the KV cache holds ` +
        `${engine.contextSize * engine.parallel} tokens, ${engine.parallel} times what one sequence needs`,
    } : {}),
  });
}

/** Lambda sends SIGTERM before it freezes the environment for good: stop, answer everyone, free the model, exit 0. */
function onShutdown(app: App, server: Server, inFlight: InFlightRequests): void {
  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) return;
    stopping = true;
    app.state = 'stopping';
    log({ event: 'shutdown', signal, running: app.running.size });
    // Whatever happens below, leave within Lambda's shutdown window.
    setTimeout(() => process.exit(0), 1500).unref();
    server.close();
    server.closeIdleConnections();
    // The running generation ends with what it has; queued ones get a retryable 503, and so do requests
    // still sending their body (now, not once it is in), whose connection then drains the rest of it.
    for (const generation of app.running) generation.abort('shutdown');
    inFlight.cancelBodyReads(notReady('stopping'));
    while (app.running.size > 0 || inFlight.pending() > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    await app.embeddings?.dispose().catch((error: unknown) => log({ level: 'warn', event: 'dispose_failed', ...errorFields(error) }));
    await app.engine?.dispose().catch((error: unknown) => log({ level: 'warn', event: 'dispose_failed', ...errorFields(error) }));
    server.closeAllConnections();
    process.exit(0);
  };
  // `on`, not `once`: node-llama-cpp's dependencies install signal-exit, which re-raises a signal (killing the
  // process mid-shutdown) when it finds no other listener left; `stop` runs only once anyway.
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

export async function main(): Promise<void> {
  const startedAt = performance.now();
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    const message = error instanceof ConfigError ? error.message : String(error);
    log({ level: 'error', event: 'startup_failed', variable: error instanceof ConfigError ? error.variable : undefined, message });
    process.exitCode = 1;
    return;
  }
  const app = new App(config);
  log({
    event: 'config',
    contextSize: config.contextSize,
    threads: config.threads,
    maxTokens: config.maxTokens,
    maxGenerationSeconds: config.maxGenerationSeconds,
    deadlineMarginMs: config.deadlineMarginMs,
    queueSize: config.queueSize,
    parallel: config.parallel,
    maxBodyBytes: config.maxBodyBytes,
    requestTimeoutSeconds: config.requestTimeoutSeconds,
    allowedOrigins: config.allowedOrigins,
    modelCacheDir: config.modelCacheDir,
    auth: config.apiKey !== undefined ? 'LLM_API_KEY' : config.apiKeySecretArn !== undefined ? 'LLM_API_KEY_SECRET_ARN' : 'none',
    logPrompts: config.logPrompts,
    trustLambdaContext: config.trustLambdaContext,
    isolateRequests: config.isolateRequests,
    useMmap: config.useMmap,
    webUi: config.webUi,
  });
  if (config.threads > availableParallelism()) {
    // Measured (docs/benchmarks): 3 or 4 threads on 2 CPUs decode ~70 times slower than 2, because ggml's
    // threads wait for each other at every operation. Allowed (a cgroup quota can hide CPUs), but said loudly.
    log({ level: 'warn', event: 'threads_exceed_cpus', threads: config.threads, cpus: availableParallelism(),
      message: `LLM_THREADS=${config.threads} is more than the ${availableParallelism()} CPUs this process sees: generation can slow down by orders of magnitude` });
  }
  const inFlight = new InFlightRequests();
  const requestTimeoutMs = config.requestTimeoutSeconds * 1000;
  const server = createServer({
    keepAliveTimeout: 65_000,
    requestTimeout: requestTimeoutMs,
    headersTimeout: Math.min(60_000, requestTimeoutMs),
    // Node checks both timeouts on this interval (30 s by default): a short timeout needs a shorter one.
    connectionsCheckingInterval: Math.min(30_000, requestTimeoutMs / 4),
  }, (req, res) => {
    inFlight.track(req, res);
    handleRequest(app, req, res).catch((error: unknown) => {
      log({ level: 'error', event: 'request_crashed', ...errorFields(error) });
      if (!res.headersSent) res.writeHead(500).end();
      else res.end();
    });
  });
  // Never let one connection's socket error (resets, garbage) reach the process.
  server.on('clientError', (error: Error & { code?: string }, socket) => {
    const answered = answerClientError(error, socket, config.requestTimeoutSeconds);
    if (answered !== undefined) log({ event: 'client_error', status: answered.status, errorCode: answered.code, cause: error.code });
  });
  onShutdown(app, server, inFlight);

  // Listen first: the Lambda Web Adapter polls /health while the model loads.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    log({ level: 'error', event: 'startup_failed', variable: 'PORT', ...errorFields(error), message: `cannot listen on ${config.host}:${config.port}` });
    process.exit(1);
  });
  const address = server.address();
  log({ event: 'listening', host: config.host, port: typeof address === 'object' && address !== null ? address.port : config.port });

  try {
    const [bearerKey] = await Promise.all([loadBearerKey(config), loadModel(app, startedAt)]);
    app.bearerKey = bearerKey;
  } catch (error) {
    log({ level: 'error', event: 'startup_failed', ...errorFields(error) });
    process.exit(1);
  }
  if (app.state === 'loading') {
    app.state = 'ready';
    app.readyAt = Math.floor(Date.now() / 1000);
    log({ event: 'ready', startupMs: Math.round(performance.now() - startedAt), auth: app.bearerKey !== undefined ? 'bearer' : 'none' });
  }
}

process.on('unhandledRejection', (reason) => log({ level: 'error', event: 'unhandled_rejection', ...errorFields(reason) }));

await main();
