import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** What the function's role must allow, and nothing more. */
export interface RuntimeAccess {
  readonly logGroup: logs.ILogGroup;
  readonly apiKeySecret?: secretsmanager.ISecret;
  readonly modelStatements?: iam.PolicyStatement[];
}

/** The statements the runtime needs: write to its log group, read the model object and the bearer key. */
export function runtimeStatements(access: RuntimeAccess): iam.PolicyStatement[] {
  const statements = [
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [access.logGroup.logGroupArn],
    }),
    ...(access.modelStatements ?? []),
  ];
  if (access.apiKeySecret) {
    statements.push(new iam.PolicyStatement({
      sid: 'ReadApiKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [access.apiKeySecret.secretArn],
    }));
    if (access.apiKeySecret.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptApiKey',
        actions: ['kms:Decrypt'],
        resources: [access.apiKeySecret.encryptionKey.keyArn],
      }));
    }
  }
  return statements;
}

/**
 * The execution role: the user's own, given the runtime's statements (in its default policy), or a role of
 * the construct's own with one inline policy. No AWS managed policies, no wildcards.
 */
export function executionRole(scope: Construct, given: iam.IRole | undefined, access: RuntimeAccess): iam.IRole {
  const statements = runtimeStatements(access);
  if (given) {
    for (const statement of statements) given.addToPrincipalPolicy(statement);
    return given;
  }
  return new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the LLM function at ${scope.node.path}`,
    inlinePolicies: { Runtime: new iam.PolicyDocument({ statements }) },
  });
}
