import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/** What the function's role must allow, and nothing more. */
export interface ExecutionRoleInputs {
  readonly logGroup: logs.ILogGroup;
  readonly apiKeySecret?: secretsmanager.ISecret;
  readonly modelStatements?: iam.PolicyStatement[];
}

/**
 * A role of the construct's own with one inline policy: write to its log group, read the model object
 * (bucket source) and the bearer key (when one is used). No AWS managed policies, no wildcards.
 */
export function createExecutionRole(scope: Construct, inputs: ExecutionRoleInputs): iam.Role {
  const statements = [
    new iam.PolicyStatement({
      sid: 'WriteLogs',
      actions: ['logs:CreateLogStream', 'logs:PutLogEvents'],
      resources: [inputs.logGroup.logGroupArn],
    }),
    ...(inputs.modelStatements ?? []),
  ];
  if (inputs.apiKeySecret) {
    statements.push(new iam.PolicyStatement({
      sid: 'ReadApiKey',
      actions: ['secretsmanager:GetSecretValue'],
      resources: [inputs.apiKeySecret.secretArn],
    }));
    if (inputs.apiKeySecret.encryptionKey) {
      statements.push(new iam.PolicyStatement({
        sid: 'DecryptApiKey',
        actions: ['kms:Decrypt'],
        resources: [inputs.apiKeySecret.encryptionKey.keyArn],
      }));
    }
  }
  return new iam.Role(scope, 'Role', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `Execution role of the LLM function at ${scope.node.path}`,
    inlinePolicies: { Runtime: new iam.PolicyDocument({ statements }) },
  });
}
