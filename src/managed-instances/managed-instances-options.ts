import * as lambda from 'aws-cdk-lib/aws-lambda';

/**
 * The memory each vCPU of an execution environment comes with on Lambda Managed Instances
 * (ExecutionEnvironmentMemoryGiBPerVCpu); it decides the EC2 instance family Lambda launches.
 */
export enum MemoryPerVcpu {
  /**
   * 2 GiB per vCPU: compute optimized instances (C family). Decoding is bound by CPU and memory bandwidth, and
   * a 1.5B-8B Q4 model with a few KV caches fits in 2 GiB per vCPU.
   */
  TWO_GIB = 'TWO_GIB',

  /** 4 GiB per vCPU: general purpose instances (M family). */
  FOUR_GIB = 'FOUR_GIB',

  /** 8 GiB per vCPU: memory optimized instances (R family), for a large model on few vCPUs. */
  EIGHT_GIB = 'EIGHT_GIB',
}

/**
 * Options for running the function on Lambda Managed Instances: EC2 instances in your VPC, managed by Lambda,
 * each execution environment serving `maxConcurrency` requests at once. For steady load; see "Steady load" in
 * the README for when it pays off.
 */
export interface ManagedInstancesOptions {
  /**
   * A capacity provider of your own (shared with other functions you trust: a capacity provider is the security
   * boundary, and functions on it are isolated by containers only). Not with `maxVcpuCount`, nor with the
   * construct's `vpc`, `vpcSubnets` or `securityGroups` (the capacity provider places its instances itself).
   *
   * @default - a capacity provider of the construct's own, in the private subnets of `vpc`, for `architecture`
   */
  readonly capacityProvider?: lambda.ICapacityProvider;

  /**
   * Requests one execution environment serves at once (PerExecutionEnvironmentMaxConcurrency, set explicitly:
   * the service's own default would send a CPU-bound model far more than it can decode). The runtime decodes
   * this many answers together (LLM_PARALLEL), each with a KV cache of its own, and the tuner sizes memory for
   * all of them. 1-64.
   *
   * @default 4
   */
  readonly maxConcurrency?: number;

  /**
   * Memory per vCPU of each execution environment (ExecutionEnvironmentMemoryGiBPerVCpu, set explicitly). The
   * tuner sizes memory in whole vCPUs at this ratio and gives llama.cpp one thread per vCPU.
   *
   * @default MemoryPerVcpu.TWO_GIB
   */
  readonly memoryPerVcpu?: MemoryPerVcpu;

  /**
   * Execution environments kept running for the published version, whether or not requests come (you pay for
   * their instances). Lambda's own default is 3, one per Availability Zone for resiliency. 0-15000.
   *
   * @default 3
   */
  readonly minExecutionEnvironments?: number;

  /**
   * The most execution environments Lambda may run for the version: a cap on cost. 0-15000.
   *
   * @default - no cap but the capacity provider's
   */
  readonly maxExecutionEnvironments?: number;

  /**
   * The most vCPUs the construct's capacity provider may launch (12-15000): a cap on cost for the whole
   * provider. Only for the capacity provider the construct creates.
   *
   * @default - the service's default (400 vCPUs)
   */
  readonly maxVcpuCount?: number;
}
