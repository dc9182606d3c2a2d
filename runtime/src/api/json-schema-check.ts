import { invalidRequest } from '../http/api-error.js';
import { ownValue } from '../own-property.js';

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const SUBSCHEMA_MAPS = ['properties', '$defs', 'definitions'];
const SUBSCHEMA_LISTS = ['oneOf', 'anyOf', 'allOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not'];
/** The only reference form node-llama-cpp 3.21.1 resolves; anything else becomes "any value". */
const REF_PREFIX = '#/$defs/';
const MAX_DEPTH = 64;

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

const refused = (message: string, param: string) => invalidRequest(message, param, 'invalid_json_schema');

/**
 * node-llama-cpp turns a JSON schema into a grammar without complaining about what it cannot express: an
 * unknown `type` allows any value, and a `$ref` it cannot resolve (another prefix, a missing definition)
 * loses its constraint. Those are refused here, naming the path, instead of silently producing unconstrained
 * output. Recursive references are fine: node-llama-cpp turns them into recursive grammar rules.
 *
 * Every node of the schema is visited once: a `$ref` is only resolved, never walked into, because the
 * definitions are walked where they are defined (following references instead costs 2^n for a chain of
 * definitions that each reference the next twice, and a 1.5 KB body would block the event loop).
 */
export function checkJsonSchema(schema: unknown, param: string): void {
  walk(schema, param, {}, 0);
}

function walk(schema: unknown, param: string, outerDefs: Readonly<Schema>, depth: number): void {
  if (!isObject(schema)) return;
  if (depth > MAX_DEPTH) throw refused(`'${param}' nests deeper than ${MAX_DEPTH} levels.`, param);
  const defs = isObject(schema.$defs) ? { ...outerDefs, ...schema.$defs } : outerDefs;
  checkType(schema, param);
  if (schema.$ref !== undefined) resolveRef(schema.$ref, `${param}.$ref`, defs);
  for (const key of SUBSCHEMA_MAPS) {
    const map = ownValue(schema, key);
    if (isObject(map)) for (const [name, child] of Object.entries(map)) walk(child, `${param}.${key}.${name}`, defs, depth + 1);
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = ownValue(schema, key);
    if (Array.isArray(list)) list.forEach((child, index) => walk(child, `${param}.${key}[${index}]`, defs, depth + 1));
  }
  for (const key of SUBSCHEMAS) walk(ownValue(schema, key), `${param}.${key}`, defs, depth + 1);
}

function checkType(schema: Schema, param: string): void {
  const type = ownValue(schema, 'type');
  if (type === undefined) return;
  for (const each of Array.isArray(type) ? type : [type]) {
    if (typeof each !== 'string' || !TYPES.has(each)) {
      throw refused(`'${param}.type' must be a JSON type (${[...TYPES].join(', ')}), got ${JSON.stringify(each)}.`, `${param}.type`);
    }
  }
}

function resolveRef(ref: unknown, param: string, defs: Readonly<Schema>): void {
  if (typeof ref !== 'string' || !ref.startsWith(REF_PREFIX)) {
    throw refused(`'${param}' must point into "$defs" ("${REF_PREFIX}<name>"), got ${JSON.stringify(ref)}: no other reference can be enforced.`, param);
  }
  const target = ownValue(defs, ref.slice(REF_PREFIX.length));
  if (!isObject(target)) throw refused(`'${param}' points to ${JSON.stringify(ref)}, which is not defined in "$defs".`, param);
}
