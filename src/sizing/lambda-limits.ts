/** AWS Lambda's documented limits and the CPU-per-memory rule the tuner builds on. */
export const LambdaLimits = {
  MIN_MEMORY_MB: 128,
  MAX_MEMORY_MB: 10_240,
  MIN_EPHEMERAL_STORAGE_MB: 512,
  MAX_EPHEMERAL_STORAGE_MB: 10_240,
  MAX_TIMEOUT_SECONDS: 900,
  /** A container image may be at most 10 GB uncompressed, base layers included. */
  MAX_IMAGE_MB: 10_240,
  /** Lambda gives the equivalent of one vCPU at 1,769 MB and scales CPU linearly with memory. */
  MB_PER_VCPU: 1_769,
  /** At 10,240 MB a function sees 6 vCPUs (a 5.79 vCPU share). */
  MAX_VCPUS: 6,
  /** SnapStart snapshots /tmp too and allows no more than the default. */
  MAX_SNAPSTART_EPHEMERAL_STORAGE_MB: 512,
} as const;

/** One mebibyte: Lambda's "MB" settings are mebibytes. */
export const MIB = 1024 * 1024;

/** Memory settings are rounded up to this step so that small input changes do not churn the function. */
export const MEMORY_STEP_MB = 64;

/** Rounds `mb` up to the next multiple of `step`. */
export function roundUpTo(mb: number, step: number): number {
  return Math.ceil(mb / step) * step;
}
