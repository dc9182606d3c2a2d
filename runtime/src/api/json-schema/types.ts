import { isJsonType, JSON_TYPES, type JsonType } from './keywords.js';
import { refuse, shown } from './refusal.js';

/** The types a `type` keyword names, checked: a JSON type or a non-empty list of them. */
export function typeList(value: unknown, param: string): JsonType[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw refuse(param, 'is an empty list: no value has no type.');
  for (const each of list) {
    if (!isJsonType(each)) throw refuse(param, `must be a JSON type (${JSON_TYPES.join(', ')}) or a list of them, got ${shown(each)}.`);
  }
  return [...new Set(list as JsonType[])];
}

/** The types both accept; an integer is a number, so integer ∩ number = integer. */
export function intersectTypes(a: unknown, b: unknown, param: string): JsonType | JsonType[] {
  const left = typeList(a, param);
  const right = typeList(b, param);
  const both = new Set<JsonType>();
  for (const type of left) {
    if (right.includes(type)) both.add(type);
    else if (type === 'integer' && right.includes('number')) both.add('integer');
    else if (type === 'number' && right.includes('integer')) both.add('integer');
  }
  if (both.size === 0) throw refuse(param, `allows no value: the parts of an allOf ask for ${shown(a)} and ${shown(b)}.`);
  const list = [...both];
  return list.length === 1 ? list[0] : list;
}
