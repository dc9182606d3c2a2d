import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { tracesToXRay } from './tracing';

/** What the function's role must allow, and nothing more. */
export interface RuntimeAccess {
  readonly logGroup: logs.ILogGroup;
  readonly apiKeySecret?: secretsmanager.ISecret;
  readonly modelStatements?: iam.PolicyStatement[];
  /** VPC network interfaces, environment decryption: statements other props bring. */
  readonly otherStatements?: iam.PolicyStatement[];
  /** Any mode but DISABLED lets the function send trace segments to X-Ray. */
  readonly tracing?: lambda.Tracing;
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
    ...(access.otherStatements ?? []),
  ];
  if (access.apiKeySecret) {
    statements.push(new iam.PolicyStatement({
      sid: 'ReadApiKey',
      actions: ['secretsmanager:GetSecretValue'],
      // A secret imported by name has an ARN without the random suffix Secrets Manager appends; IAM matches
      // the full ARN, so such a grant needs the suffix's six characters as a wildcard (as aws-cdk-lib's grantRead does).
      resources: [access.apiKeySecret.secretFullArn ?? `${access.apiKeySecret.secretArn}-??????`],
    }));
    if (access.apiKeySecret.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptApiKey',
        actions: ['kms:Decrypt'],
        resources: [access.apiKeySecret.encryptionKey.keyArn],
      }));
    }
  }
  if (tracesToXRay(access.tracing)) {
    statements.push(new iam.PolicyStatement({
      sid: 'WriteTraces',
      actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
      resources: ['*'], // X-Ray has no resource-level permissions
    }));
  }
  return statements;
}

/** The role the function runs as, and the policy of the construct's own that holds the runtime's statements. */
export interface ExecutionRole {
  readonly role: iam.IRole;
  readonly policy: iam.ManagedPolicy;
}

/**
 * The execution role (the user's own, or a role of the construct's own) with the runtime's statements in a
 * customer-managed policy owned by the construct: no inline policy (NIST 800-53, HIPAA and PCI packs ask
 * for managed ones), no AWS managed policy, no wildcard but X-Ray's. The policy resource itself names the
 * role, so a given role gets it even when imported immutable (`mutable: false`).
 */
export function executionRole(scope: Construct, given: iam.IRole | undefined, access: RuntimeAccess): ExecutionRole {
  const role = given ?? new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the LLM function at ${scope.node.path}`,
  });
  const policy = new iam.ManagedPolicy(scope, 'RuntimePolicy', {
    description: `What the LLM function at ${scope.node.path} may do: write its logs, read its model and key`,
    statements: runtimeStatements(access),
    roles: [role],
  });
  return { role, policy };
}
