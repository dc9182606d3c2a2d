/**
 * A paper estimate of what the measured speed would cost on AWS Lambda. Every input is an assumption
 * written into the report next to the result; nothing here was measured on Lambda.
 */

/** us-east-1, first pricing tier (AWS Lambda pricing page, as published through 2024–2025). */
export const LAMBDA_PRICES = {
  arm64PerGbSecond: 0.0000133334,
  x86_64PerGbSecond: 0.0000166667,
  perMillionRequests: 0.2,
} as const;

/** Lambda allocates CPU in proportion to memory: 1,769 MB is one full vCPU, up to 6 vCPUs at 10,240 MB. */
export const MB_PER_VCPU = 1769;
export const MAX_VCPUS = 6;

export interface CostInput {
  readonly memoryMb: number;
  /** Decode tokens/s of one fully busy core here, and how many threads the function would run. */
  readonly decodeTokensPerSecondPerVcpu: number;
  readonly promptTokensPerSecondPerVcpu: number;
  readonly threads: number;
  readonly typicalPromptTokens: number;
  readonly typicalOutputTokens: number;
}

export interface CostRow {
  readonly memoryMb: number;
  readonly vcpus: number;
  readonly decodeTokensPerSecond: number;
  readonly promptTokensPerSecond: number;
  readonly secondsPerTypicalRequest: number;
  readonly arm64PerMillionOutputTokens: number;
  readonly x86_64PerMillionOutputTokens: number;
  readonly arm64Per1000Requests: number;
  readonly x86_64Per1000Requests: number;
}

export function lambdaCost(input: CostInput): CostRow {
  const vcpus = Math.min(MAX_VCPUS, input.memoryMb / MB_PER_VCPU);
  // Speed scales with the CPU share the function gets, but never past the threads it runs.
  const usableCpus = Math.min(vcpus, input.threads);
  const decode = input.decodeTokensPerSecondPerVcpu * usableCpus;
  const prompt = input.promptTokensPerSecondPerVcpu * usableCpus;
  const gb = input.memoryMb / 1024;
  const secondsPerRequest = input.typicalPromptTokens / prompt + input.typicalOutputTokens / decode;
  const requestPrice = LAMBDA_PRICES.perMillionRequests / 1e6;
  const perRequest = (price: number) => gb * secondsPerRequest * price + requestPrice;
  // Per million output tokens: the decode time alone, plus the requests that carry those tokens.
  const perMillion = (price: number) =>
    gb * (1e6 / decode) * price + (1e6 / input.typicalOutputTokens) * requestPrice;
  return {
    memoryMb: input.memoryMb,
    vcpus,
    decodeTokensPerSecond: decode,
    promptTokensPerSecond: prompt,
    secondsPerTypicalRequest: secondsPerRequest,
    arm64PerMillionOutputTokens: perMillion(LAMBDA_PRICES.arm64PerGbSecond),
    x86_64PerMillionOutputTokens: perMillion(LAMBDA_PRICES.x86_64PerGbSecond),
    arm64Per1000Requests: 1000 * perRequest(LAMBDA_PRICES.arm64PerGbSecond),
    x86_64Per1000Requests: 1000 * perRequest(LAMBDA_PRICES.x86_64PerGbSecond),
  };
}
