import { ComputeShape, LAMBDA_COMPUTE } from './compute-shape';
import { MEMORY_STEP_MB, MIB, roundUpTo } from './lambda-limits';

/**
 * Memory the process needs besides the weights and the KV cache: Node.js, the Lambda Web Adapter and
 * llama.cpp's compute buffers (about 300 MB for a 150k-token vocabulary at a 4k context).
 */
export const RUNTIME_OVERHEAD_MB = 512;

/** Extra room in proportion to the weights: tokenizer tables, page-cache slack, allocator fragmentation. */
export const MODEL_HEADROOM_FRACTION = 0.1;

/** Below file + KV cache + this much, the model cannot run at all (used to tell "tight" from "impossible"). */
export const HARD_MINIMUM_OVERHEAD_MB = 256;

/** Without `threads`, the tuner gives the function at least this many vCPUs so that generation is usable. */
export const DEFAULT_MINIMUM_VCPUS = 2;

/** The memory the tuner recommends for the weights plus `kvMb` of cache, before any vCPU floor. */
export function recommendedMemoryMb(modelBytes: number, kvMb: number): number {
  const modelMb = modelBytes / MIB;
  return roundUpTo(modelMb + kvMb + RUNTIME_OVERHEAD_MB + MODEL_HEADROOM_FRACTION * modelMb, MEMORY_STEP_MB);
}

/** The least memory with which the model can load at all. */
export function hardMinimumMemoryMb(modelBytes: number, kvMb: number): number {
  return Math.ceil(modelBytes / MIB + kvMb + HARD_MINIMUM_OVERHEAD_MB);
}

/**
 * The smallest memory setting (on the shape's step) that gives `vcpus` vCPUs, capped at the shape's maximum
 * (on Lambda, 6 vCPUs means the 10,240 MB maximum).
 */
export function memoryForVcpus(vcpus: number, shape: ComputeShape = LAMBDA_COMPUTE): number {
  return Math.min(shape.maxMemoryMb, roundUpTo(vcpus * shape.mbPerVcpu, shape.memoryStepMb));
}

/** The vCPU share `memoryMb` gives (fractional on Lambda: 3,584 MB is 2.03 vCPUs). */
export function vcpuShare(memoryMb: number, shape: ComputeShape = LAMBDA_COMPUTE): number {
  return memoryMb / shape.mbPerVcpu;
}

/**
 * llama.cpp threads for `memoryMb`: the whole vCPUs of its share, at least 1. The fraction left over runs
 * Node's main thread; more threads than the share makes them wait on each other and generation collapses.
 */
export function threadsForMemory(memoryMb: number, shape: ComputeShape = LAMBDA_COMPUTE): number {
  return Math.min(shape.maxVcpus, Math.max(1, Math.floor(vcpuShare(memoryMb, shape))));
}

/**
 * The memory the tuner picks: the recommendation for the model, raised to the vCPU floor (the requested
 * threads, or {@link DEFAULT_MINIMUM_VCPUS}) and to the shape's minimum, rounded up to the shape's step and
 * capped at its maximum (callers check the hard minimum).
 */
export function tunedMemoryMb(modelBytes: number, kvMb: number, requestedThreads?: number, shape: ComputeShape = LAMBDA_COMPUTE): number {
  const floor = Math.max(shape.minMemoryMb, memoryForVcpus(requestedThreads ?? DEFAULT_MINIMUM_VCPUS, shape));
  return Math.min(shape.maxMemoryMb, roundUpTo(Math.max(recommendedMemoryMb(modelBytes, kvMb), floor), shape.memoryStepMb));
}
