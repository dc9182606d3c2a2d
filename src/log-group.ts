import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { allowLogsToUseKey } from './encryption';

/** The log-group props as given. */
export interface LogGroupChoice {
  readonly logGroup?: logs.ILogGroup;
  readonly logRetention?: logs.RetentionDays;
  readonly logEncryptionKey?: kms.IKey;
}

/**
 * The function's log group: the user's own, untouched, or one of the construct's own with retention and,
 * when asked, a customer-managed key whose policy lets CloudWatch Logs use it.
 */
export function functionLogGroup(scope: Construct, choice: LogGroupChoice): logs.ILogGroup {
  if (choice.logGroup) {
    for (const [prop, value] of Object.entries({ logRetention: choice.logRetention, logEncryptionKey: choice.logEncryptionKey })) {
      if (value !== undefined) {
        throw new Error(`${prop}: set it on the given logGroup instead; the construct does not change a log group it does not own`);
      }
    }
    return choice.logGroup;
  }
  if (choice.logEncryptionKey) allowLogsToUseKey(scope, choice.logEncryptionKey);
  return new logs.LogGroup(scope, 'LogGroup', {
    retention: choice.logRetention ?? logs.RetentionDays.ONE_MONTH,
    encryptionKey: choice.logEncryptionKey,
  });
}
