/**
 * A paper estimate of what a measured speed would cost on AWS Lambda. Every input is an assumption the
 * report states next to the result; nothing here was measured on Lambda.
 */

/** us-east-1, first pricing tier, as AWS publishes them (unchanged since Arm support launched in 2021). */
export const LAMBDA_PRICES = {
  arm64PerGbSecond: 0.0000133334,
  x86_64PerGbSecond: 0.0000166667,
  perMillionRequests: 0.2,
} as const;

export interface CostInput {
  readonly label: string;
  readonly memoryMb: number;
  readonly threads: number;
  readonly decodeTokensPerSecond: number;
  readonly promptTokensPerSecond: number;
  readonly typicalPromptTokens: number;
  readonly typicalOutputTokens: number;
}

export interface CostRow extends CostInput {
  readonly secondsPerTypicalRequest: number;
  readonly arm64PerMillionOutputTokens: number;
  readonly x86_64PerMillionOutputTokens: number;
  readonly arm64Per1000Requests: number;
  readonly x86_64Per1000Requests: number;
}

export function lambdaCost(input: CostInput): CostRow {
  const gb = input.memoryMb / 1024;
  const secondsPerRequest = input.typicalPromptTokens / input.promptTokensPerSecond +
    input.typicalOutputTokens / input.decodeTokensPerSecond;
  const requestPrice = LAMBDA_PRICES.perMillionRequests / 1e6;
  const perRequest = (price: number) => gb * secondsPerRequest * price + requestPrice;
  // A million output tokens: their decode time, plus the invocations of typical size that carry them.
  const perMillion = (price: number) =>
    gb * (1e6 / input.decodeTokensPerSecond) * price + (1e6 / input.typicalOutputTokens) * requestPrice;
  return {
    ...input,
    secondsPerTypicalRequest: secondsPerRequest,
    arm64PerMillionOutputTokens: perMillion(LAMBDA_PRICES.arm64PerGbSecond),
    x86_64PerMillionOutputTokens: perMillion(LAMBDA_PRICES.x86_64PerGbSecond),
    arm64Per1000Requests: 1000 * perRequest(LAMBDA_PRICES.arm64PerGbSecond),
    x86_64Per1000Requests: 1000 * perRequest(LAMBDA_PRICES.x86_64PerGbSecond),
  };
}
