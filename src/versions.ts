import { RemovalPolicy } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';

/** The alias callers reach whenever the construct publishes versions: always the latest one. */
export const LIVE_ALIAS_NAME = 'live';

/**
 * Fixed and short: Lambda allows 256 characters, and a description built from the construct path (which has
 * no length limit) was refused at deploy time for deeply nested constructs.
 */
export const LIVE_ALIAS_DESCRIPTION = 'The latest published version of the LLM function (llm-function-url)';

/** Why the construct publishes versions: each reason needs a published version behind an alias. */
export interface PublishReasons {
  /** SnapStart snapshots each published version. */
  readonly snapStart: boolean;
  /** Provisioned concurrency keeps environments of a version (through an alias) initialized. */
  readonly provisionedConcurrentExecutions?: number;
  /** Lambda Managed Instances runs published versions only. */
  readonly managedInstances: boolean;
}

/** Whether any of the props needs a published version and the alias `live`. */
export function publishesVersions(reasons: PublishReasons): boolean {
  return reasons.snapStart || reasons.provisionedConcurrentExecutions !== undefined || reasons.managedInstances;
}

/**
 * The function's `currentVersionOptions` when it publishes versions: a replaced version is deleted, not kept.
 * A kept one would go on costing money: a SnapStart snapshot stays cached, and a version on Managed Instances
 * keeps its execution environments running.
 */
export function currentVersionOptions(publishes: boolean): lambda.VersionOptions | undefined {
  return publishes ? { removalPolicy: RemovalPolicy.DESTROY } : undefined;
}

/**
 * The alias `live` on the current version, which CloudFormation publishes whenever the function's code or
 * configuration changes. Provisioned concurrency, when given, is configured on the alias (so it follows each
 * new version), and `alias.addAutoScaling` can scale it.
 */
export function publishLiveAlias(scope: Construct, fn: lambda.Function, provisionedConcurrentExecutions?: number): lambda.Alias {
  return new lambda.Alias(scope, 'LiveAlias', {
    aliasName: LIVE_ALIAS_NAME,
    version: fn.currentVersion,
    description: LIVE_ALIAS_DESCRIPTION,
    provisionedConcurrentExecutions,
  });
}
