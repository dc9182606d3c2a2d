import { MAX_STRING_LENGTH } from './limits.js';
import type { OutSchema } from './out-schema.js';
import type { RawObject } from './raw-schema.js';
import { refuse, shown } from './refusal.js';
import { countKeyword } from './values.js';

/**
 * The formats node-llama-cpp has a grammar for, and the shortest and longest string each writes
 * (time: `HH:MM:SSZ` to `HH:MM:SS.sss+HH:MM`). engine/exact-json-grammar.ts makes the date part exact
 * (days per month, leap years), so ajv-formats' full date, time and date-time checks pass.
 */
const FORMAT_LENGTHS: Readonly<Record<string, readonly [number, number]>> = {
  'date': [10, 10],
  'time': [9, 18],
  'date-time': [20, 29],
};

/**
 * A string schema. Lengths count code points, as JSON Schema does; the rewritten grammar writes bounded
 * strings with characters of the Basic Multilingual Plane only, where code points, UTF-16 units (what
 * node-llama-cpp's argument check counts) and grammar characters are the same number.
 */
export function stringSchema(node: RawObject, param: string): OutSchema {
  const minLength = countKeyword(node, 'minLength', param) ?? 0;
  const maxLength = countKeyword(node, 'maxLength', param);
  for (const [keyword, value] of [['minLength', minLength], ['maxLength', maxLength]] as const) {
    if (value !== undefined && value > MAX_STRING_LENGTH) {
      throw refuse(`${param}.${keyword}`, `is ${value}: at most ${MAX_STRING_LENGTH} can be enforced. Lower it, or drop maxLength and cut the string yourself.`);
    }
  }
  if (maxLength !== undefined && maxLength < minLength) throw refuse(`${param}.maxLength`, `is ${maxLength}, below minLength ${minLength}: no string matches.`);
  const format = node.format;
  if (format !== undefined) {
    if (typeof format !== 'string') throw refuse(`${param}.format`, `must be a string, got ${shown(format)}.`);
    const lengths = Object.prototype.hasOwnProperty.call(FORMAT_LENGTHS, format) ? FORMAT_LENGTHS[format] : undefined;
    if (lengths === undefined) {
      throw refuse(`${param}.format`, `is ${shown(format)}: only "date", "time" and "date-time" can be enforced by the grammar. ` +
        'Drop the format to accept any string (and check it yourself), or use an enum.');
    }
    if (minLength > lengths[0] || (maxLength !== undefined && maxLength < lengths[1])) {
      throw refuse(`${param}.${minLength > lengths[0] ? 'minLength' : 'maxLength'}`,
        `cannot be combined with format "${format}" (which writes ${lengths[0]} to ${lengths[1]} characters): drop the length bounds.`);
    }
    return { type: 'string', format };
  }
  return { type: 'string', ...(minLength > 0 ? { minLength } : {}), ...(maxLength !== undefined ? { maxLength } : {}) };
}
