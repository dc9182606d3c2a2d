import { notFound } from '../http/api-error.js';
import { sendJson } from '../http/respond.js';
import type { RequestScope } from './request-scope.js';

const OWNER = 'llm-function-url';

function modelObject(scope: RequestScope) {
  return { id: scope.app.modelId!, object: 'model', created: scope.app.readyAt, owned_by: OWNER };
}

/** GET /v1/models: the one model this server holds. */
export async function listModels(scope: RequestScope): Promise<void> {
  scope.status = 200;
  sendJson(scope.res, 200, { object: 'list', data: [modelObject(scope)] });
}

/** GET /v1/models/{id}. */
export async function retrieveModel(scope: RequestScope, id: string): Promise<void> {
  if (id !== scope.app.modelId) throw notFound(`The model '${id}' does not exist; this server serves '${scope.app.modelId}'.`, 'model_not_found');
  scope.status = 200;
  sendJson(scope.res, 200, modelObject(scope));
}
