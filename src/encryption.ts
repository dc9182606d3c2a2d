import { Annotations, ArnFormat, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';

/**
 * Lets CloudWatch Logs in this account and Region use `key` for log groups (what Logs needs to write an
 * encrypted group). The condition limits it to log groups of this account and Region: the group's own ARN
 * cannot be named, since the group needs the key before it exists. An imported key's policy cannot be
 * changed from here: then a warning spells out the statement to add.
 */
export function allowLogsToUseKey(scope: Construct, key: kms.IKey): void {
  const stack = Stack.of(scope);
  const statement = new iam.PolicyStatement({
    sid: 'AllowCloudWatchLogsEncryption',
    principals: [new iam.ServicePrincipal(`logs.${stack.region}.${stack.urlSuffix}`)],
    actions: ['kms:Encrypt*', 'kms:Decrypt*', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:Describe*'],
    resources: ['*'],
    conditions: {
      ArnLike: {
        'kms:EncryptionContext:aws:logs:arn': stack.formatArn({ service: 'logs', resource: 'log-group', resourceName: '*', arnFormat: ArnFormat.COLON_RESOURCE_NAME }),
      },
    },
  });
  if (!key.addToResourcePolicy(statement, true).statementAdded) {
    Annotations.of(scope).addWarningV2('llm-function-url:logKeyPolicy',
      'logEncryptionKey is imported, so its key policy cannot be changed here: allow logs.<region>.amazonaws.com kms:Encrypt*, kms:Decrypt*, kms:ReEncrypt*, kms:GenerateDataKey*, kms:Describe* with the condition ArnLike kms:EncryptionContext:aws:logs:arn = arn:<partition>:logs:<region>:<account>:log-group:*, or the log group cannot be created');
  }
}

/** The execution role decrypts the function's environment at each cold start. */
export function environmentKeyStatement(key: kms.IKey): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'DecryptEnvironment',
    actions: ['kms:Decrypt'],
    resources: [key.keyArn],
  });
}
