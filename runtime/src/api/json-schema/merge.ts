import type { WorkBudget } from './budget.js';
import { ANNOTATIONS, DEFINITION_CONTAINERS, isInert } from './keywords.js';
import { jsonEqual, own, setOwn, type RawObject } from './raw-schema.js';
import { refuse } from './refusal.js';
import { intersectTypes } from './types.js';

/**
 * Keywords that read each other inside one schema object (additionalProperties applies to the properties
 * its own object does not name; items to the positions after its own prefixItems). Taken from two parts
 * of an allOf they mean something else than side by side, so they must all come from one part.
 */
const COUPLED = [
  ['properties', 'additionalProperties', 'patternProperties', 'unevaluatedProperties'],
  ['prefixItems', 'items', 'unevaluatedItems'],
];

const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties']);
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties']);

/** Whether a schema object has keywords that constrain values (beyond annotations and definitions). */
export function constrains(schema: RawObject): boolean {
  return Object.keys(schema).some((key) => !isInert(key));
}

/** The schema without some keywords. */
export function without(schema: RawObject, ...keys: string[]): RawObject {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(schema)) if (!keys.includes(key)) setOwn(copy, key, schema[key]);
  return copy;
}

/**
 * One schema object that accepts exactly what both accept (allOf of the two), when their keywords can be
 * put side by side: `required` joins, `type` intersects, bounds take the tighter value, equal values are
 * kept once. Annotations of `base` win (the use site's description over the definition's). Anything else
 * that appears in both is refused, naming the keyword. Definitions stay where they are: references are
 * resolved against the whole document, never against the merged object.
 */
export function mergeSchemas(base: RawObject, extra: RawObject, param: string, budget: WorkBudget): RawObject {
  const merged: Record<string, unknown> = {};
  for (const key of Object.keys(base)) setOwn(merged, key, base[key]);
  for (const group of COUPLED) {
    const inBase = group.filter((key) => own(base, key) !== undefined);
    const inExtra = group.filter((key) => own(extra, key) !== undefined);
    if (inBase.length > 0 && inExtra.length > 0 && !group.every((key) => jsonEqual(own(base, key), own(extra, key)))) {
      throw refuse(`${param}.${inExtra[0]}`, `cannot be combined with "${inBase[0]}" from another part of the same allOf (or $ref siblings): ` +
        `${group.join(', ')} read each other, so they must be written in one schema object.`);
    }
  }
  for (const key of Object.keys(extra)) {
    budget.spend(param);
    const value = extra[key];
    const existing = own(base, key);
    // Definitions stay where the document has them; a root's $id only names the document.
    if (DEFINITION_CONTAINERS.has(key) || key === '$id') continue;
    if (existing === undefined || ANNOTATIONS.has(key)) {
      if (existing === undefined) setOwn(merged, key, value);
      continue;
    }
    if (jsonEqual(existing, value)) continue;
    if (key === 'required' && Array.isArray(existing) && Array.isArray(value)) merged.required = [...new Set([...existing, ...value])];
    else if (key === 'type') merged.type = intersectTypes(existing, value, `${param}.type`);
    else if (LOWER_BOUNDS.has(key) && typeof existing === 'number' && typeof value === 'number') merged[key] = Math.max(existing, value);
    else if (UPPER_BOUNDS.has(key) && typeof existing === 'number' && typeof value === 'number') merged[key] = Math.min(existing, value);
    else {
      throw refuse(`${param}.${key}`, 'appears with different values in two parts of an allOf (or beside a $ref): ' +
        'this server merges the parts into one schema and cannot combine these; write the keyword once.');
    }
  }
  return merged;
}
