import { Token } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { RuntimeEnv, SnapStartHookPath } from './runtime-contract';
import { LambdaLimits } from './sizing/lambda-limits';

/** Regions where Lambda offers no SnapStart (Lambda's SnapStart documentation, "Supported Regions"). */
const REGIONS_WITHOUT_SNAPSTART = ['ap-southeast-6', 'ap-east-2'];

/** What SnapStart depends on among the construct's other settings. */
export interface SnapStartInputs {
  /** The model is fetched into /tmp at start (LlmModel.fromBucket). */
  readonly downloadsAtStart: boolean;
  readonly modelMb: number;
  /** undefined when given as a token. */
  readonly ephemeralStorageMb: number | undefined;
  readonly region: string;
}

/**
 * Throws, naming the props, for every combination Lambda refuses when it publishes a SnapStart version,
 * so that it fails at synth instead of minutes into a deployment.
 */
export function validateSnapStart(inputs: SnapStartInputs): void {
  const max = LambdaLimits.MAX_SNAPSTART_EPHEMERAL_STORAGE_MB;
  if (inputs.downloadsAtStart) {
    throw new Error(`snapStart: LlmModel.fromBucket downloads the ${Math.ceil(inputs.modelMb)} MB model into /tmp at start, and SnapStart allows at most ${max} MB of /tmp; bake the model into the image with LlmModel.fromFile or LlmModel.fromUrl`);
  }
  if (inputs.ephemeralStorageMb === undefined) {
    throw new Error(`ephemeralStorageSize: must be known at synth with snapStart (SnapStart allows at most ${max} MB of /tmp), not a token`);
  }
  if (inputs.ephemeralStorageMb > max) {
    throw new Error(`ephemeralStorageSize: ${inputs.ephemeralStorageMb} MB is more than the ${max} MB of /tmp that SnapStart allows; remove it or set at most ${max} MB`);
  }
  if (!Token.isUnresolved(inputs.region) && REGIONS_WITHOUT_SNAPSTART.includes(inputs.region)) {
    throw new Error(`snapStart: Lambda offers no SnapStart in ${inputs.region}; deploy to another region or leave snapStart off`);
  }
}

/** The Web Adapter's hook variables: it calls the server's warm-up before the snapshot and its refresh after a restore. */
export function snapStartEnvironment(): { [name: string]: string } {
  return {
    [RuntimeEnv.SNAPSTART_BEFORE_CHECKPOINT_PATH]: SnapStartHookPath.BEFORE_CHECKPOINT,
    [RuntimeEnv.SNAPSTART_AFTER_RESTORE_PATH]: SnapStartHookPath.AFTER_RESTORE,
  };
}

/**
 * Turns SnapStart on for published versions (the versions themselves and the alias come from versions.ts):
 * Lambda snapshots each version CloudFormation publishes when the function's code or configuration changes.
 */
export function enableSnapStart(fn: lambda.Function): void {
  // aws-cdk-lib's `snapStart` prop refuses Runtime.FROM_IMAGE (its list of SnapStart runtimes predates
  // SnapStart for container images), so the setting goes on the CloudFormation resource itself.
  (fn.node.defaultChild as lambda.CfnFunction).snapStart = { applyOn: 'PublishedVersions' };
}
