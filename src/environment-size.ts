import { Token, Tokenization } from 'aws-cdk-lib';

/**
 * Lambda's quota: "4 KB, for all environment variables associated with the function, in aggregate" (Lambda
 * quotas page). cfn-lint's E3697 counts it as the sum of the names' and values' lengths; this counts bytes
 * (UTF-8), which is never less, so nothing it accepts is refused at deploy time.
 */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * What an unresolved value (an ARN, a bucket name: known only at deploy time) is counted as. The names and
 * ARNs CloudFormation generates stay well under it; a value that could be longer is the user's own token.
 */
export const UNRESOLVED_VALUE_BYTES = 256;

/** The size of an environment as synth can know it. */
export interface EnvironmentSize {
  /** Bytes of every name, and of every value or the literal parts of a value. */
  readonly knownBytes: number;
  /** The variables whose values hold tokens (each counted below at UNRESOLVED_VALUE_BYTES per token). */
  readonly unresolved: string[];
  /** knownBytes plus UNRESOLVED_VALUE_BYTES for each token. */
  readonly estimatedBytes: number;
}

/** Measures `environment` the way Lambda limits it: names plus values, in bytes. */
export function environmentSize(environment: { [name: string]: string }): EnvironmentSize {
  let knownBytes = 0;
  let tokens = 0;
  const unresolved: string[] = [];
  for (const [name, value] of Object.entries(environment)) {
    knownBytes += Buffer.byteLength(name);
    if (!Token.isUnresolved(value)) {
      knownBytes += Buffer.byteLength(value);
      continue;
    }
    const fragments = Tokenization.reverseString(value);
    const literals = fragments.join({ join: (left: any, right: any) => `${literalText(left)}${literalText(right)}` });
    knownBytes += Buffer.byteLength(literalText(literals));
    tokens += Math.max(1, fragments.tokens.length);
    unresolved.push(name);
  }
  return { knownBytes, unresolved, estimatedBytes: knownBytes + tokens * UNRESOLVED_VALUE_BYTES };
}

/** A fragment's literal text; a token stands for nothing here (it is counted apart). */
function literalText(fragment: unknown): string {
  return typeof fragment === 'string' && !Token.isUnresolved(fragment) ? fragment : '';
}

/**
 * Throws when the known part alone is over Lambda's limit (the deployment would fail), naming the prop, the
 * total and the limit. Returns a warning when only the estimate for deploy-time values passes it.
 *
 * @param ownVariables how many of the variables the construct sets itself (so the user sees what is theirs)
 */
export function checkEnvironmentSize(environment: { [name: string]: string }, ownVariables: number): string | undefined {
  const size = environmentSize(environment);
  const limit = LAMBDA_ENVIRONMENT_LIMIT_BYTES;
  if (size.knownBytes > limit) {
    throw new Error(`environment: the function's environment variables total ${size.knownBytes} bytes (names and values, ${ownVariables} of them set by the construct), over Lambda's limit of ${limit} bytes; shorten or remove some of environment's variables`);
  }
  if (size.estimatedBytes > limit) {
    const count = size.unresolved.length;
    return `environment: the function's environment variables total ${size.knownBytes} bytes known at synth plus ${count} ${count === 1 ? 'value' : 'values'} known only at deploy time (${size.unresolved.join(', ')}), counted at ${UNRESOLVED_VALUE_BYTES} bytes: ${size.estimatedBytes} bytes may exceed Lambda's limit of ${limit} bytes, and the deployment would then fail`;
  }
  return undefined;
}
