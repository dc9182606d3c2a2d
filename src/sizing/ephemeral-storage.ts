import { LambdaLimits, MEMORY_STEP_MB, MIB, roundUpTo } from './lambda-limits';

/** Free room left in /tmp beside a downloaded model (partial download, runtime scratch). */
export const TMP_HEADROOM_MB = 512;

/**
 * /tmp the tuner picks: Lambda's free 512 MB when the model is in the image; room for the model plus
 * {@link TMP_HEADROOM_MB} when it is downloaded at start. May exceed the limit: callers validate.
 */
export function recommendedEphemeralStorageMb(modelBytes: number, downloadsAtStart: boolean): number {
  if (!downloadsAtStart) {
    return LambdaLimits.MIN_EPHEMERAL_STORAGE_MB;
  }
  return Math.max(LambdaLimits.MIN_EPHEMERAL_STORAGE_MB, roundUpTo(modelBytes / MIB + TMP_HEADROOM_MB, MEMORY_STEP_MB));
}
