import { sendJson } from '../http/respond.js';
import type { RequestScope } from './request-scope.js';

/** GET /health: the readiness check (Lambda Web Adapter polls it during init). 503 until the model is loaded. */
export async function health(scope: RequestScope): Promise<void> {
  const { app } = scope;
  if (app.state === 'ready') {
    scope.status = 200;
    sendJson(scope.res, 200, { status: 'ok', model: app.modelId });
    return;
  }
  scope.status = 503;
  sendJson(scope.res, 503, { status: app.state }, { 'Retry-After': '1' });
}
