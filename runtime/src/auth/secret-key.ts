/**
 * Reads the bearer key from Secrets Manager once at start. SecretString is either the key itself or a
 * JSON object with an "apiKey" field (what a generated secret with a JSON template holds). The SDK picks
 * up region, credentials and AWS_ENDPOINT_URL_SECRETS_MANAGER from the environment as usual.
 */
export async function fetchApiKeyFromSecret(secretArn: string): Promise<string> {
  // Loaded only when a secret is configured: starts without one skip the SDK's import time.
  const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  try {
    const result = await client.send(new GetSecretValueCommand({ SecretId: secretArn }));
    if (result.SecretString === undefined) throw new Error(`secret ${secretArn} has no SecretString`);
    return apiKeyFromSecretString(result.SecretString, secretArn);
  } finally {
    client.destroy();
  }
}

export function apiKeyFromSecretString(secretString: string, secretArn: string): string {
  const trimmed = secretString.trim();
  let key = trimmed;
  if (trimmed.startsWith('{')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(trimmed);
    } catch {
      parsed = undefined;
    }
    if (parsed !== undefined) {
      const apiKey = (parsed as Record<string, unknown>).apiKey;
      if (typeof apiKey !== 'string') throw new Error(`secret ${secretArn} is JSON without a string "apiKey" field`);
      key = apiKey.trim();
    }
  }
  if (key === '') throw new Error(`secret ${secretArn} holds an empty key`);
  return key;
}
