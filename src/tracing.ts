import * as lambda from 'aws-cdk-lib/aws-lambda';

/** Whether `tracing` turns X-Ray on (ACTIVE or PASS_THROUGH): then the role must be able to write traces. */
export function tracesToXRay(tracing: lambda.Tracing | undefined): boolean {
  return tracing !== undefined && tracing !== lambda.Tracing.DISABLED;
}

/**
 * Sets the function's X-Ray mode on its CloudFormation resource. Given to `lambda.Function` as the `tracing`
 * prop, aws-cdk-lib would also add the X-Ray statement to the role's inline default policy, which an
 * immutable imported role drops and the NIST/HIPAA/PCI packs report; the construct's managed policy holds
 * that statement instead (execution-role.ts).
 */
export function applyTracing(fn: lambda.Function, tracing: lambda.Tracing | undefined): void {
  if (tracing !== undefined) {
    (fn.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: tracing };
  }
}
