/**
 * A schema in node-llama-cpp 3.21.1's subset (utils/gbnfJson/types.d.ts): each node is exactly one of
 * {$ref}, {oneOf}, {const}, {enum}, {type: "object"...}, {type: "array"...}, {type: "string", minLength,
 * maxLength | format}, or {type: basic types}, optionally with a `description` (shown to the model in a
 * function's documentation). Its grammar and its validator of function-call arguments both read it.
 */
export type OutSchema = Record<string, unknown>;

/** The properties of an object schema that JSON Schema lets be absent (node-llama-cpp writes them all). */
export const optionalProperties = new WeakMap<OutSchema, ReadonlySet<string>>();

/**
 * Any JSON value, built from the subset: node-llama-cpp writes an array without `items` and an object with
 * `additionalProperties: true` with its own any-value rule (and a schema with no usable type as `null`).
 */
export function anyValue(): OutSchema {
  return { oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }] };
}

/** Adds the description in place: every output node is a fresh object, and a copy would lose optionalProperties. */
export function withDescription(schema: OutSchema, description: unknown): OutSchema {
  if (typeof description === 'string' && description !== '' && schema.description === undefined) schema.description = description;
  return schema;
}

/**
 * One alternative as itself; several as a oneOf (node-llama-cpp's oneOf accepts the first that matches:
 * anyOf). Equal alternatives are written once: each copy would be one more parse stack in llama.cpp.
 */
export function union(alternatives: readonly OutSchema[]): OutSchema {
  const flat: OutSchema[] = [];
  const seen = new Set<string>();
  for (const alternative of alternatives.flatMap((each) => isBareUnion(each) ? each.oneOf as OutSchema[] : [each])) {
    const text = JSON.stringify(alternative);
    if (seen.has(text)) continue;
    seen.add(text);
    flat.push(alternative);
  }
  return flat.length === 1 ? flat[0] : { oneOf: flat };
}

function isBareUnion(schema: OutSchema): boolean {
  return Array.isArray(schema.oneOf) && Object.keys(schema).every((key) => key === 'oneOf' || key === 'description');
}
