import { LambdaLimits, MEMORY_STEP_MB } from './lambda-limits';

/** How an execution environment's memory buys vCPUs, and the memory it may have. */
export interface ComputeShape {
  /** Named in errors: "Lambda gives at most 6 vCPUs". */
  readonly name: string;
  /** Named in errors: "Lambda's memory limits". */
  readonly possessive: string;
  /** Memory that comes with one vCPU. */
  readonly mbPerVcpu: number;
  readonly minMemoryMb: number;
  readonly maxMemoryMb: number;
  readonly maxVcpus: number;
  /** The tuner rounds memory up to this step. */
  readonly memoryStepMb: number;
}

/** Lambda's default compute: CPU in proportion to memory, one vCPU at 1,769 MB, 6 vCPUs at 10,240 MB. */
export const LAMBDA_COMPUTE: ComputeShape = {
  name: 'Lambda',
  possessive: 'Lambda\'s',
  mbPerVcpu: LambdaLimits.MB_PER_VCPU,
  minMemoryMb: LambdaLimits.MIN_MEMORY_MB,
  maxMemoryMb: LambdaLimits.MAX_MEMORY_MB,
  maxVcpus: LambdaLimits.MAX_VCPUS,
  memoryStepMb: MEMORY_STEP_MB,
};

/** Lambda Managed Instances' memory range: at least 2 GB, at most 32 GB per execution environment. */
export const MANAGED_INSTANCES_MIN_MEMORY_MB = 2048;
export const MANAGED_INSTANCES_MAX_MEMORY_MB = 32_768;

/**
 * Lambda Managed Instances: each execution environment gets whole vCPUs with a fixed memory per vCPU (2, 4 or
 * 8 GiB, the function's ExecutionEnvironmentMemoryGiBPerVCpu), so the tuner sizes memory in whole vCPUs.
 */
export function managedInstancesCompute(memoryPerVcpuGib: number): ComputeShape {
  const mbPerVcpu = memoryPerVcpuGib * 1024;
  return {
    name: `Lambda Managed Instances at ${memoryPerVcpuGib} GiB per vCPU`,
    possessive: 'Lambda Managed Instances\'',
    mbPerVcpu,
    minMemoryMb: MANAGED_INSTANCES_MIN_MEMORY_MB,
    maxMemoryMb: MANAGED_INSTANCES_MAX_MEMORY_MB,
    maxVcpus: Math.floor(MANAGED_INSTANCES_MAX_MEMORY_MB / mbPerVcpu),
    memoryStepMb: mbPerVcpu,
  };
}
