import { notFound } from '../http/api-error.js';
import { sendJson } from '../http/respond.js';
import type { RequestScope } from './request-scope.js';

const OWNER = 'llm-function-url';

/**
 * OpenAI's model object, plus `capabilities`: which kind of route answers, "generation" (chat, completions,
 * responses, /) and/or "embeddings" (/v1/embeddings), so a client can tell an embedding model from a chat model.
 */
function modelObject(scope: RequestScope) {
  const { app } = scope;
  const capabilities = [...(app.engine !== undefined ? ['generation'] : []), ...(app.embeddings !== undefined ? ['embeddings'] : [])];
  return { id: app.modelId!, object: 'model', created: app.readyAt, owned_by: OWNER, capabilities };
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
