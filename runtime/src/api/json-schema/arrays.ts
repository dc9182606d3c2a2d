import type { WorkBudget } from './budget.js';
import { MAX_REPETITIONS } from './limits.js';
import type { Child } from './objects.js';
import type { OutSchema } from './out-schema.js';
import { childPath, isRawObject, type RawObject } from './raw-schema.js';
import { refuse, shown } from './refusal.js';
import { countKeyword } from './values.js';

/**
 * An array schema. node-llama-cpp writes every prefixItems position (JSON Schema lets an array be shorter:
 * never looser) and then items up to maxItems; it would raise maxItems to the prefix length, so a prefix
 * longer than maxItems is cut here instead. `items: false` (or unevaluatedItems: false without items) ends
 * the array after the prefix.
 */
export function arraySchema(node: RawObject, param: string, child: Child, budget: WorkBudget): OutSchema {
  const items = node.items;
  if (Array.isArray(items)) throw refuse(`${param}.items`, 'is a list (draft-07 tuple syntax): use "prefixItems" for the positions and "items" for the rest (JSON Schema 2020-12).');
  if (items !== undefined && typeof items !== 'boolean' && !isRawObject(items)) throw refuse(`${param}.items`, `must be a schema, got ${shown(items)}.`);
  const prefixItems = node.prefixItems ?? [];
  if (!Array.isArray(prefixItems)) throw refuse(`${param}.prefixItems`, `must be a list of schemas, got ${shown(prefixItems)}.`);
  const unevaluated = node.unevaluatedItems;
  if (unevaluated !== undefined && typeof unevaluated !== 'boolean') throw refuse(`${param}.unevaluatedItems`, 'cannot be enforced as a schema: use items.');
  const minItems = countKeyword(node, 'minItems', param) ?? 0;
  let maxItems = countKeyword(node, 'maxItems', param);
  for (const [keyword, value] of [['minItems', minItems], ['maxItems', maxItems]] as const) {
    if (value !== undefined && value > MAX_REPETITIONS) {
      throw refuse(`${param}.${keyword}`, `is ${value}: at most ${MAX_REPETITIONS} can be enforced (llama.cpp refuses longer repetitions). Lower it, or drop it.`);
    }
  }

  let prefix = prefixItems.slice();
  // A false position cannot hold an item: the array ends before it.
  const falseAt = prefix.findIndex((item) => item === false);
  if (falseAt >= 0) {
    prefix = prefix.slice(0, falseAt);
    maxItems = Math.min(maxItems ?? falseAt, falseAt);
  }
  const noMoreItems = items === false || (items === undefined && unevaluated === false);
  if (noMoreItems) maxItems = Math.min(maxItems ?? prefix.length, prefix.length);
  if (maxItems !== undefined && prefix.length > maxItems) prefix = prefix.slice(0, maxItems);
  if (maxItems !== undefined && minItems > maxItems) throw refuse(`${param}.minItems`, `is ${minItems}, above the ${maxItems} items allowed: no array matches.`);
  budget.spend(param, prefix.length);

  const rest = noMoreItems || items === true || items === undefined ? undefined : child(items, childPath(param, 'items'));
  return {
    type: 'array',
    ...(prefix.length > 0 ? { prefixItems: prefix.map((item, index) => child(item, childPath(param, 'prefixItems', index))) } : {}),
    ...(rest !== undefined ? { items: rest } : {}),
    ...(minItems > 0 ? { minItems } : {}),
    ...(maxItems !== undefined ? { maxItems } : {}),
  };
}
