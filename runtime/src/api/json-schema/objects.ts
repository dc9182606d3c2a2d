import type { WorkBudget } from './budget.js';
import { MAX_REPETITIONS } from './limits.js';
import { checkLiteralString } from './literals.js';
import { anyValue, optionalProperties, type OutSchema } from './out-schema.js';
import { childPath, isRawObject, own, setOwn, type RawObject } from './raw-schema.js';
import { refuse, shown } from './refusal.js';
import { countKeyword } from './values.js';

export type Child = (schema: unknown, param: string) => OutSchema;

/** propertyNames that every JSON key satisfies (zod writes `{"type": "string"}` for records). */
function trivialPropertyNames(value: unknown): boolean {
  if (value === undefined || value === true) return true;
  return isRawObject(value) && Object.keys(value).every((key) => key === 'type' ? value.type === 'string' : key === 'description' || key === 'title');
}

/**
 * An object schema. node-llama-cpp writes every property it is given, in order, and nothing else unless
 * there are no properties at all; that is never looser than JSON Schema's rules:
 * - properties left out of `required` are written anyway (an optional property may be present);
 * - additional properties are not written when properties are declared (they may be absent; writing both
 *   could repeat a declared key with a value of the wrong schema);
 * - a property `required` but not declared is written with the additionalProperties schema (any value if
 *   none), or refused when additionalProperties is false (no object could match);
 * - with no properties, entries are written as additionalProperties allows (JSON Schema's default: any).
 */
export function objectSchema(node: RawObject, param: string, child: Child, budget: WorkBudget): OutSchema {
  const declared = node.properties ?? {};
  if (!isRawObject(declared)) throw refuse(`${param}.properties`, `must be an object of schemas, got ${shown(declared)}.`);
  const required = node.required ?? [];
  if (!Array.isArray(required) || !required.every((name) => typeof name === 'string')) {
    throw refuse(`${param}.required`, `must be a list of property names, got ${shown(required)}.`);
  }
  if (!trivialPropertyNames(node.propertyNames)) {
    throw refuse(`${param}.propertyNames`, 'cannot be enforced beyond {"type": "string"}: name the allowed properties in "properties" instead.');
  }
  const unevaluated = node.unevaluatedProperties;
  if (unevaluated !== undefined && typeof unevaluated !== 'boolean') {
    throw refuse(`${param}.unevaluatedProperties`, 'cannot be enforced as a schema: use additionalProperties.');
  }
  // Nothing else evaluates the entries written beside the declared properties: unevaluatedProperties: false
  // then forbids them like additionalProperties: false.
  const additional = node.additionalProperties ?? (unevaluated === false ? false : true);
  if (typeof additional !== 'boolean' && !isRawObject(additional)) {
    throw refuse(`${param}.additionalProperties`, `must be a boolean or a schema, got ${shown(additional)}.`);
  }
  const minProperties = countKeyword(node, 'minProperties', param) ?? 0;
  const maxProperties = countKeyword(node, 'maxProperties', param);

  const written: Array<[string, unknown, string, boolean]> = [];
  for (const name of Object.keys(declared)) {
    budget.spend(param);
    const path = childPath(param, 'properties', name);
    checkLiteralString(name, path, 'the property name');
    const schema = own(declared, name);
    const isRequired = required.includes(name);
    if (schema === false) {
      if (isRequired) throw refuse(path, 'is false but the property is required: no object matches.');
      continue;
    }
    written.push([name, schema, path, isRequired]);
  }
  for (const name of new Set(required as string[])) {
    if (own(declared, name) !== undefined) continue;
    const path = `${param}.required`;
    if (additional === false) throw refuse(path, `names ${shown(name)}, which is not in "properties" while additionalProperties is false: no object matches.`);
    checkLiteralString(name, path, 'the property name');
    written.push([name, additional, childPath(param, 'additionalProperties'), true]);
  }

  if (written.length === 0) return mapSchema(additional, param, minProperties, maxProperties, child);

  if (maxProperties !== undefined && written.length > maxProperties) {
    const requiredCount = written.filter(([, , , isRequired]) => isRequired).length;
    if (requiredCount > maxProperties) throw refuse(`${param}.maxProperties`, `is ${maxProperties}, but ${requiredCount} properties are required: no object matches.`);
    // Optional properties may be left out: keep the required ones and the first optional ones that fit.
    let optionalRoom = maxProperties - requiredCount;
    for (let index = 0; index < written.length; index++) {
      if (written[index][3]) continue;
      if (optionalRoom > 0) optionalRoom--;
      else written.splice(index--, 1);
    }
  }
  if (minProperties > written.length) {
    throw refuse(`${param}.minProperties`, `is ${minProperties}, more than the ${written.length} properties written: ` +
      'extra entries cannot be generated beside declared properties. Declare the properties, or drop minProperties.');
  }
  const properties: Record<string, OutSchema> = {};
  for (const [name, schema, path] of written) setOwn(properties, name, schema === true || schema === undefined ? anyValue() : child(schema, path));
  const result = { type: 'object', properties };
  optionalProperties.set(result, new Set(written.filter(([, , , isRequired]) => !isRequired).map(([name]) => name)));
  return result;
}

/** An object of entries only (a map, e.g. pydantic's dict[str, int]): keys are any string. */
function mapSchema(additional: boolean | RawObject, param: string, minProperties: number, maxProperties: number | undefined, child: Child): OutSchema {
  if (additional === false) {
    if (minProperties > 0) throw refuse(`${param}.minProperties`, `is ${minProperties}, but no property is allowed: no object matches.`);
    return { type: 'object' };
  }
  // The grammar cannot keep generated keys apart: two equal keys parse as one entry, so only "at least one" holds.
  if (minProperties > 1) {
    throw refuse(`${param}.minProperties`, `is ${minProperties}: generated keys may repeat, so only minProperties 1 can be enforced. Declare the properties instead.`);
  }
  if (maxProperties !== undefined && maxProperties > MAX_REPETITIONS) {
    throw refuse(`${param}.maxProperties`, `is ${maxProperties}: at most ${MAX_REPETITIONS} can be enforced. Lower it, or drop it.`);
  }
  if (maxProperties !== undefined && maxProperties < minProperties) throw refuse(`${param}.maxProperties`, `is below minProperties ${minProperties}: no object matches.`);
  return {
    type: 'object',
    additionalProperties: additional === true ? true : child(additional, childPath(param, 'additionalProperties')),
    ...(minProperties > 0 ? { minProperties } : {}),
    ...(maxProperties !== undefined ? { maxProperties } : {}),
  };
}
