import { Analysis } from './analysis';
import { CostRow, lambdaCost } from './lambda-cost';

export const TYPICAL_PROMPT_TOKENS = 100;
export const TYPICAL_OUTPUT_TOKENS = 400;
const MB_PER_VCPU = 1769;

export interface CostEstimate {
  /** Where the memory setting came from: the construct's tuner, or an assumption when it cannot be loaded. */
  readonly memorySource: string;
  readonly rows: CostRow[];
  readonly assumptions: string[];
}

interface TunerView {
  memoryMb: number;
  threads: number;
  vcpuShare: number;
}

/** The construct's own sizing for this model (src/sizing), read at run time so the estimate follows it. */
function constructTuning(modelBytes: number, kvCacheBytesPerToken: number, threads?: number): TunerView | undefined {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { tune } = require('../../src/sizing/tune');
    return tune({ modelBytes, kvCacheBytesPerToken, downloadsAtStart: false, contextSize: 4096, maxTokens: 2048, threads });
  } catch {
    return undefined;
  }
}

/**
 * Speeds measured here at a thread count, scaled by the vCPU share Lambda gives the memory setting when
 * that share is smaller than the threads (a 2-thread run on 1.5 vCPUs gets 75 % of the speed).
 */
function speedAt(analysis: Analysis, threads: number, share: number): { decode: number; prompt: number } | undefined {
  const fromSweep = analysis.sweep.find((entry) => entry.threads === threads);
  const decode = fromSweep?.decodeTokensPerSecond?.median;
  const prompt = fromSweep?.promptTokensPerSecond?.median;
  if (decode === undefined || prompt === undefined) return undefined;
  const scale = Math.min(1, share / threads);
  return { decode: decode * scale, prompt: prompt * scale };
}

export function estimateLambdaCosts(analysis: Analysis, modelBytes: number, kvCacheBytesPerToken: number): CostEstimate {
  const tuned = constructTuning(modelBytes, kvCacheBytesPerToken);
  const oneThread = constructTuning(modelBytes, kvCacheBytesPerToken, 1);
  const configs: Array<{ label: string; view: TunerView }> = [];
  let memorySource: string;
  if (tuned) {
    memorySource = 'the construct\'s tuner (src/sizing/tune.ts) for this model file at contextSize 4096';
    configs.push({ label: `construct default (${tuned.threads} threads)`, view: tuned });
    if (oneThread && oneThread.memoryMb !== tuned.memoryMb) configs.push({ label: 'construct with threads: 1', view: oneThread });
  } else {
    memorySource = 'an assumption (src/sizing could not be loaded): 3,584 MB, the smallest setting with 2 vCPUs';
    configs.push({ label: 'assumed 2 vCPUs', view: { memoryMb: 3584, threads: 2, vcpuShare: 3584 / MB_PER_VCPU } });
  }
  const rows: CostRow[] = [];
  for (const { label, view } of configs) {
    const speed = speedAt(analysis, view.threads, view.vcpuShare);
    if (!speed) continue;
    rows.push(lambdaCost({
      label,
      memoryMb: view.memoryMb,
      threads: view.threads,
      decodeTokensPerSecond: speed.decode,
      promptTokensPerSecond: speed.prompt,
      typicalPromptTokens: TYPICAL_PROMPT_TOKENS,
      typicalOutputTokens: TYPICAL_OUTPUT_TOKENS,
    }));
  }
  return {
    memorySource,
    rows,
    assumptions: [
      'Prices: us-east-1, first pricing tier, per GB-second of configured memory: Arm $0.0000133334, x86 $0.0000166667, plus $0.20 per million requests (AWS Lambda pricing page, as published 2021–2025; check it before relying on this).',
      `Memory: ${memorySource}.`,
      'Speed: the server\'s streamed median at the same thread count in this run\'s thread sweep, as if one Lambda vCPU were one core of this machine, scaled down when the memory\'s vCPU share (memory / 1,769 MB) is below the thread count. Arm (Graviton) is assumed as fast per vCPU as this x86 CPU: unmeasured; llama.cpp has NEON kernels for Q4_0 but speeds differ by CPU generation.',
      `A typical request: ${TYPICAL_PROMPT_TOKENS} prompt tokens + ${TYPICAL_OUTPUT_TOKENS} output tokens (for DeepSeek-R1 the reasoning counts as output), warm (no cold start), decode speed taken as constant over the answer (it drops slowly as the context fills).`,
      'Not included: cold starts (model load, paid once per environment), ephemeral storage above 512 MB, CloudWatch Logs, data transfer, the free tier.',
    ],
  };
}
