import type { IncomingMessage, ServerResponse } from 'node:http';
import type { App } from './app.js';
import { ApiError, internalError, methodNotAllowed, notFound, notReady, unauthorized } from './http/api-error.js';
import { checkBrowserAccess, requireJsonFromBrowsers } from './http/browser-access.js';
import { allowCrossOrigin, answerPreflight, isPreflight } from './http/cors.js';
import { discardRestOfBody } from './http/discard-body.js';
import { invocationContext } from './http/invocation-context.js';
import { isLocalControlCall } from './http/local-call.js';
import { sendError } from './http/respond.js';
import { errorFields, log } from './observability/log.js';
import { logRequest } from './observability/request-metrics.js';
import { ownValue } from './own-property.js';
import { chatCompletions } from './routes/chat-completions.js';
import { completions } from './routes/completions.js';
import { embeddings } from './routes/embeddings.js';
import { responses } from './routes/responses.js';
import { health } from './routes/health.js';
import { listModels, retrieveModel } from './routes/models.js';
import type { RequestScope } from './routes/request-scope.js';
import { seed } from './routes/seed.js';
import { serveWebUiFile, WEB_UI_ROUTE, webUiFile } from './routes/web-ui.js';
import { afterRestore, beforeCheckpoint } from './snapstart/hooks.js';

type Handler = (scope: RequestScope) => Promise<void>;

interface Route {
  readonly methods: Readonly<Record<string, Handler>>;
  /** Public routes answer without the bearer key and before the model is ready. */
  readonly open?: boolean;
}

const ROUTES: Readonly<Record<string, Route>> = {
  '/': { methods: { POST: seed } },
  '/v1/chat/completions': { methods: { POST: chatCompletions } },
  '/v1/completions': { methods: { POST: completions } },
  '/v1/responses': { methods: { POST: responses } },
  '/v1/embeddings': { methods: { POST: embeddings } },
  '/v1/models': { methods: { GET: listModels } },
  '/health': { methods: { GET: health }, open: true },
};

/** Bounds on reading a refused body to its end (see discardRestOfBody). */
const DISCARD_MAX_BYTES = 64 * 1024 * 1024;
const DISCARD_MAX_MS = 10_000;

const MODEL_PATH = /^\/v1\/models\/(.+)$/;

/** The route name of the SnapStart hooks in logs (their paths are configurable). */
const HOOK_ROUTE = 'snapstart-hook';

type Resolved = { route: Route; name: string } | undefined;

function resolve(app: App, req: IncomingMessage, path: string): Resolved {
  // The chat page comes first: `GET /` from a browser is the page, every other `/` request the seed route.
  const page = app.config.webUi ? webUiFile(req, path) : undefined;
  if (page !== undefined) {
    const serve: Handler = (scope) => serveWebUiFile(scope, page);
    // Open: a browser cannot send the bearer key when it navigates; the page holds no secret, its API calls need the key.
    return { route: { methods: { GET: serve }, open: true }, name: WEB_UI_ROUTE };
  }
  const route = ownValue(ROUTES, path);
  if (route !== undefined) return { route, name: path };
  const { snapStartBeforeCheckpointPath: before, snapStartAfterRestorePath: after } = app.config;
  if ((path === before || path === after) && isLocalControlCall(req)) {
    return { route: { methods: { POST: path === before ? beforeCheckpoint : afterRestore }, open: true }, name: HOOK_ROUTE };
  }
  const model = MODEL_PATH.exec(path);
  if (model !== null) {
    let id: string;
    try {
      id = decodeURIComponent(model[1]);
    } catch {
      return undefined;
    }
    return { route: { methods: { GET: (scope) => retrieveModel(scope, id) } }, name: '/v1/models/{model}' };
  }
  return undefined;
}

/** A route's methods: HEAD wherever GET is (RFC 9110 §9.1), answered by the GET handler (Node sends no body for HEAD). */
function allowedMethods(route: Route): string[] {
  const methods = Object.keys(route.methods);
  return methods.includes('GET') && !methods.includes('HEAD') ? [...methods, 'HEAD'] : methods;
}

function handlerFor(route: Route, method: string): Handler | undefined {
  return ownValue(route.methods, method) ?? (method === 'HEAD' ? ownValue(route.methods, 'GET') : undefined);
}

/** Every check here applies to every route, in this order: who may ask (browsers), who is asking (key), what, how. */
async function dispatch(app: App, scope: RequestScope, found: Resolved, path: string, method: string): Promise<void> {
  const { req, res } = scope;
  const corsOrigin = checkBrowserAccess(req, { bindHost: app.config.host, allowedOrigins: app.config.allowedOrigins });
  if (corsOrigin !== undefined) {
    allowCrossOrigin(res, corsOrigin);
    // Preflights carry no key: the browser asks whether it may send one.
    if (isPreflight(req) && found !== undefined) {
      scope.status = 204;
      answerPreflight(res, allowedMethods(found.route));
      return;
    }
  }
  if (found?.route.open !== true) {
    if (app.bearerKey !== undefined && !app.bearerKey.accepts(req.headers)) {
      throw unauthorized('Missing or incorrect API key: send "Authorization: Bearer <key>".');
    }
  }
  if (found === undefined) throw notFound(`Unknown path: ${method} ${path}.`);
  const handler = handlerFor(found.route, method);
  if (handler === undefined) throw methodNotAllowed(method, path, allowedMethods(found.route));
  if (method !== 'GET' && method !== 'HEAD') requireJsonFromBrowsers(req);
  if (found.route.open !== true && app.state !== 'ready') throw notReady(app.state);
  await handler(scope);
}

/** Every request goes through here: route, auth, errors as OpenAI error objects, one log line. */
export async function handleRequest(app: App, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const arrivedAt = performance.now();
  const method = req.method ?? 'GET';
  const path = (req.url ?? '/').split('?')[0];
  // The SnapStart hooks exist only for calls from inside the environment: anyone else gets a plain 404.
  const found = resolve(app, req, path);
  const routeName = found?.name ?? 'unknown';
  const scope: RequestScope = {
    app, req, res, route: routeName, invocation: invocationContext(req.headers, app.config.trustLambdaContext), arrivedAt, status: 0,
  };
  res.setHeader('x-request-id', scope.invocation.requestId);
  try {
    await dispatch(app, scope, found, path, method);
  } catch (error) {
    const apiError = error instanceof ApiError ? error : internalError();
    // A client that left mid-body is not a server failure.
    const clientGone = res.destroyed || res.socket === null || res.socket.destroyed;
    if (!(error instanceof ApiError) && !clientGone) {
      log({ level: 'error', event: 'request_failed', requestId: scope.invocation.requestId, ...errorFields(error) });
    }
    scope.status = clientGone && !res.headersSent ? 499 : apiError.status;
    scope.errorCode = apiError.code ?? undefined;
    if (!res.headersSent) {
      // An unread body (413, early 4xx) is drained after the answer, within bounds, so the client gets it
      // rather than a reset; the connection stays open for the next request unless it is to close.
      discardRestOfBody(req, { maxBytes: DISCARD_MAX_BYTES, maxMs: DISCARD_MAX_MS });
      // Shutting down: this connection will not serve another request.
      sendError(res, apiError, app.state === 'stopping' ? { Connection: 'close' } : {});
    } else if (!res.writableEnded) {
      res.end();
    }
  }
  if (scope.status === 0) scope.status = res.statusCode;
  // Health checks are polled; the hooks log events of their own.
  if (routeName === '/health' || routeName === HOOK_ROUTE) return;
  logRequest({
    requestId: scope.invocation.requestId,
    route: routeName,
    method,
    status: scope.status,
    coldStart: scope.coldStart ?? false,
    restored: scope.restored ?? false,
    durationMs: performance.now() - arrivedAt,
    errorCode: scope.errorCode,
    generation: scope.generation,
    embedding: scope.embedding,
    ...(app.config.logPrompts ? { prompt: scope.loggedPrompt, response: scope.loggedResponse, reasoning: scope.loggedReasoning } : {}),
  }, app.config.metricsNamespace, app.config.functionName);
}
