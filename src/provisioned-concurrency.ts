import { Token } from 'aws-cdk-lib';

/** The other props provisioned concurrency depends on. */
export interface ProvisionedConcurrencyContext {
  readonly snapStart: boolean;
  readonly managedInstances: boolean;
  readonly reservedConcurrentExecutions?: number;
}

/**
 * Throws, naming the props, for a value or a combination Lambda refuses, so that it fails at synth and not
 * minutes into a deployment.
 */
export function validateProvisionedConcurrency(value: number | undefined, context: ProvisionedConcurrencyContext): void {
  if (value === undefined) {
    return;
  }
  if (!Token.isUnresolved(value) && (!Number.isInteger(value) || value < 1)) {
    throw new Error(`provisionedConcurrentExecutions: ${value} is not a whole number of at least 1 (to keep no environment initialized, leave it unset)`);
  }
  if (context.snapStart) {
    throw new Error('provisionedConcurrentExecutions: cannot be combined with snapStart: Lambda does not allow provisioned concurrency on SnapStart versions; choose one (README, "Cold start")');
  }
  if (context.managedInstances) {
    throw new Error('provisionedConcurrentExecutions: cannot be combined with managedInstances: Managed Instances keep managedInstances.minExecutionEnvironments running instead');
  }
  const reserved = context.reservedConcurrentExecutions;
  if (reserved !== undefined && !Token.isUnresolved(reserved) && !Token.isUnresolved(value) && value > reserved) {
    throw new Error(`provisionedConcurrentExecutions: ${value} is more than reservedConcurrentExecutions ${reserved}, which caps all of the function's environments, provisioned ones included`);
  }
}
