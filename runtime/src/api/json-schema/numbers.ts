import { GRAMMAR_INTEGER_LIMIT, GRAMMAR_NUMBER_LIMIT, MAX_INTEGER_ENUM } from './limits.js';
import type { OutSchema } from './out-schema.js';
import type { RawObject } from './raw-schema.js';
import { refuse } from './refusal.js';
import { checkNumericKeywords, type NumericBounds } from './values.js';

/** The keyword a refusal names: the one that set the binding bound. */
function boundKeyword(bounds: NumericBounds, side: 'lower' | 'upper'): string {
  if (side === 'lower') return bounds.lowerExclusive ? 'exclusiveMinimum' : 'minimum';
  return bounds.upperExclusive ? 'exclusiveMaximum' : 'maximum';
}

/**
 * An integer or number schema. node-llama-cpp's grammar has no numeric bounds, so a bound is kept only
 * where it is enforced: bounds no written number can reach are dropped as satisfied (zod's `.int()` writes
 * ±9007199254740991; the grammar writes at most 15 digits), and an integer range of at most
 * MAX_INTEGER_ENUM values becomes the enum of its values. Anything else is refused, saying what would work.
 */
export function numberSchema(node: RawObject, param: string, type: 'integer' | 'number'): OutSchema {
  const bounds = checkNumericKeywords(node, param);
  if (type === 'number') {
    if (bounds.multipleOf !== undefined) {
      throw refuse(`${param}.multipleOf`, 'cannot be enforced on a number by the grammar: use "type": "integer" (with a range of at most ' +
        `${MAX_INTEGER_ENUM} values, it becomes an enum), or drop it and round the value yourself.`);
    }
    for (const side of ['lower', 'upper'] as const) {
      const bound = side === 'lower' ? bounds.lower : bounds.upper;
      if (Math.abs(bound) < GRAMMAR_NUMBER_LIMIT) {
        throw refuse(`${param}.${boundKeyword(bounds, side)}`, `is ${bound}: bounds on a number cannot be enforced by the grammar. ` +
          `Use "type": "integer" with a range of at most ${MAX_INTEGER_ENUM} values (an enum), or drop the bound and check the value yourself.`);
      }
    }
    return { type: 'number' };
  }
  const lowest = bounds.lowerExclusive ? Math.floor(bounds.lower) + 1 : Math.ceil(bounds.lower);
  const highest = bounds.upperExclusive ? Math.ceil(bounds.upper) - 1 : Math.floor(bounds.upper);
  if (lowest > highest) throw refuse(`${param}.${boundKeyword(bounds, 'upper')}`, 'leaves no integer between the bounds.');
  const unbounded = lowest <= -GRAMMAR_INTEGER_LIMIT && highest >= GRAMMAR_INTEGER_LIMIT;
  if (unbounded && (bounds.multipleOf === undefined || bounds.multipleOf === 1)) return { type: 'integer' };
  // Counting in steps of an integer multipleOf keeps the loop at MAX_INTEGER_ENUM turns whatever the range.
  const step = bounds.multipleOf !== undefined && Number.isInteger(bounds.multipleOf) ? bounds.multipleOf : 1;
  const first = Math.ceil(lowest / step) * step;
  if ((highest - first) / step < MAX_INTEGER_ENUM) {
    const values: number[] = [];
    for (let value = first; value <= highest; value += step) if (bounds.accepts(value)) values.push(value);
    if (values.length === 0) throw refuse(`${param}.multipleOf`, 'leaves no integer between the bounds.');
    return values.length === 1 ? { const: values[0] } : { enum: values };
  }
  const side = lowest > -GRAMMAR_INTEGER_LIMIT ? 'lower' : 'upper';
  const keyword = unbounded ? 'multipleOf' : boundKeyword(bounds, side);
  throw refuse(`${param}.${keyword}`, `cannot be enforced by the grammar: an integer range is enforced when it holds at most ${MAX_INTEGER_ENUM} values ` +
    `(it becomes an enum) or reaches ±${GRAMMAR_INTEGER_LIMIT} (the most the grammar writes). Narrow the range, or drop the bound and check the value yourself.`);
}
