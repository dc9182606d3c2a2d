import type { RawObject } from './raw-schema.js';
import { refuse, shown } from './refusal.js';

/** String length as JSON Schema counts it: code points (ajv's default), not UTF-16 units. */
export function codePointLength(text: string): number {
  let length = 0;
  for (const _ of text) length++;
  return length;
}

/** A non-negative integer keyword (minLength, maxItems...), checked; undefined when absent. */
export function countKeyword(node: RawObject, keyword: string, param: string): number | undefined {
  const value = node[keyword];
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw refuse(`${param}.${keyword}`, `must be a non-negative integer, got ${shown(value)}.`);
  }
  return value;
}

/** The numeric keywords of a schema, checked, and the test they make of a number. */
export interface NumericBounds {
  /** Lower bound and whether it is excluded; -Infinity when none. */
  readonly lower: number;
  readonly lowerExclusive: boolean;
  readonly upper: number;
  readonly upperExclusive: boolean;
  readonly multipleOf?: number;
  accepts(value: number): boolean;
}

function finiteKeyword(node: RawObject, keyword: string, param: string): number | undefined {
  const value = node[keyword];
  if (value === undefined) return undefined;
  if (typeof value === 'boolean' && keyword.startsWith('exclusive')) {
    throw refuse(`${param}.${keyword}`, 'is a boolean (draft-04 syntax): JSON Schema 2020-12 writes the bound itself, e.g. "exclusiveMinimum": 0.');
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw refuse(`${param}.${keyword}`, `must be a number, got ${shown(value)}.`);
  return value;
}

export function checkNumericKeywords(node: RawObject, param: string): NumericBounds {
  const minimum = finiteKeyword(node, 'minimum', param);
  const exclusiveMinimum = finiteKeyword(node, 'exclusiveMinimum', param);
  const maximum = finiteKeyword(node, 'maximum', param);
  const exclusiveMaximum = finiteKeyword(node, 'exclusiveMaximum', param);
  const multipleOf = finiteKeyword(node, 'multipleOf', param);
  if (multipleOf !== undefined && multipleOf <= 0) throw refuse(`${param}.multipleOf`, `must be greater than 0, got ${multipleOf}.`);
  // The tighter of an inclusive and an exclusive bound on the same side.
  const lowerExclusive = exclusiveMinimum !== undefined && (minimum === undefined || exclusiveMinimum >= minimum);
  const lower = lowerExclusive ? exclusiveMinimum! : minimum ?? -Infinity;
  const upperExclusive = exclusiveMaximum !== undefined && (maximum === undefined || exclusiveMaximum <= maximum);
  const upper = upperExclusive ? exclusiveMaximum! : maximum ?? Infinity;
  return {
    lower, lowerExclusive, upper, upperExclusive, multipleOf,
    accepts: (value) => (lowerExclusive ? value > lower : value >= lower)
      && (upperExclusive ? value < upper : value <= upper)
      && (multipleOf === undefined || isMultiple(value, multipleOf)),
  };
}

/**
 * ajv's test, float division included (so 0.3 is not a multiple of 0.1 there): the answer must pass the
 * validators clients use, and ajv is the common one.
 */
export function isMultiple(value: number, divisor: number): boolean {
  const quotient = value / divisor;
  return quotient === Number.parseInt(String(quotient), 10);
}
