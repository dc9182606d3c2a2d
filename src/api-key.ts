import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** Length of a generated bearer key: 48 letters and digits, ~285 bits. */
export const GENERATED_KEY_LENGTH = 48;

/**
 * The secret holding the bearer key, if a key is required: the given one, or a generated one.
 * A key is required by default with NONE auth (the URL is public) and refused with AWS_IAM.
 */
export function resolveApiKeySecret(
  scope: Construct,
  authType: lambda.FunctionUrlAuthType,
  requireApiKey: boolean | undefined,
  given: secretsmanager.ISecret | undefined,
): secretsmanager.ISecret | undefined {
  if (authType === lambda.FunctionUrlAuthType.AWS_IAM && (requireApiKey === true || given !== undefined)) {
    // SigV4 puts its signature in the Authorization header, where the runtime looks for the bearer key.
    const prop = given !== undefined ? 'apiKeySecret' : 'requireApiKey';
    throw new Error(`${prop}: a bearer key cannot be combined with authType AWS_IAM: SigV4 signing uses the Authorization header, where the runtime expects "Bearer <key>", so every signed request would get 401. Use authType NONE with a key, or AWS_IAM without one`);
  }
  const required = requireApiKey ?? authType === lambda.FunctionUrlAuthType.NONE;
  if (!required) {
    if (given) {
      throw new Error('apiKeySecret: a secret is given but requireApiKey is false; remove one of the two');
    }
    return undefined;
  }
  return given ?? new secretsmanager.Secret(scope, 'ApiKey', {
    description: `Bearer key for the LLM Function URL at ${scope.node.path}`,
    generateSecretString: {
      passwordLength: GENERATED_KEY_LENGTH,
      excludePunctuation: true,
      includeSpace: false,
    },
  });
}
