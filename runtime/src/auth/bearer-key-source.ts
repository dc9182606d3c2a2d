import type { Config } from '../config.js';
import { log } from '../observability/log.js';
import { BearerKey } from './bearer-key.js';
import { fetchApiKeyFromSecret } from './secret-key.js';

/** The bearer key the server requires: LLM_API_KEY, the Secrets Manager secret, or none. */
export async function loadBearerKey(config: Config): Promise<BearerKey | undefined> {
  if (config.apiKey !== undefined) return new BearerKey(config.apiKey);
  if (config.apiKeySecretArn === undefined) return undefined;
  const started = performance.now();
  const key = new BearerKey(await fetchApiKeyFromSecret(config.apiKeySecretArn));
  log({ event: 'api_key_loaded', source: 'secretsmanager', ms: Math.round(performance.now() - started) });
  return key;
}
