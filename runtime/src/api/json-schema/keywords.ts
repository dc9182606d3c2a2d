/**
 * What each JSON Schema keyword means to this server. Keywords not named here are unknown to JSON Schema
 * 2020-12's validation vocabularies: they constrain nothing and are ignored, as the specification says
 * (OpenAPI's `discriminator` and `nullable`, `x-*` extensions, typos).
 */

/** Annotations: they describe a value and never reject one. `description` is kept for the prompt. */
export const ANNOTATIONS: ReadonlySet<string> = new Set([
  'title', 'description', 'default', 'examples', 'example', '$schema', '$comment', 'deprecated', 'readOnly', 'writeOnly',
  'contentEncoding', 'contentMediaType', 'contentSchema', '$anchor', '$vocabulary', 'discriminator', 'nullable',
]);

/** Containers of definitions: they constrain nothing where they stand; `$ref` reaches into them. */
export const DEFINITION_CONTAINERS: ReadonlySet<string> = new Set(['$defs', 'definitions']);

/**
 * Keywords that constrain values in ways no grammar here can enforce, with what to do instead. A keyword at
 * its neutral value (the value that constrains nothing) is accepted: `uniqueItems: false`, `{}` maps.
 */
export const REFUSED: Readonly<Record<string, { readonly neutral: (value: unknown) => boolean; readonly advice: string }>> = {
  not: { neutral: () => false, advice: 'cannot be enforced by a grammar: list what is allowed instead (enum, anyOf)' },
  if: { neutral: () => false, advice: 'cannot be enforced (if/then/else): write the cases as anyOf alternatives' },
  then: { neutral: () => false, advice: 'cannot be enforced (if/then/else): write the cases as anyOf alternatives' },
  else: { neutral: () => false, advice: 'cannot be enforced (if/then/else): write the cases as anyOf alternatives' },
  dependentRequired: { neutral: isEmptyObject, advice: 'cannot be enforced: make the properties required, or write the cases as anyOf alternatives' },
  dependentSchemas: { neutral: isEmptyObject, advice: 'cannot be enforced: write the cases as anyOf alternatives' },
  dependencies: { neutral: isEmptyObject, advice: 'cannot be enforced: make the properties required, or write the cases as anyOf alternatives' },
  patternProperties: { neutral: isEmptyObject, advice: 'cannot be enforced: name the properties in "properties", or use additionalProperties' },
  uniqueItems: { neutral: (value) => value === false, advice: 'cannot be enforced by a grammar (items cannot be compared as they are written): drop it and remove duplicates yourself' },
  contains: { neutral: () => false, advice: 'cannot be enforced: describe the items with "items" or "prefixItems"' },
  minContains: { neutral: () => false, advice: 'cannot be enforced: describe the items with "items" or "prefixItems"' },
  maxContains: { neutral: () => false, advice: 'cannot be enforced: describe the items with "items" or "prefixItems"' },
  pattern: { neutral: () => false, advice: 'cannot be enforced: node-llama-cpp\'s grammar has no regular expressions. Use an enum, a format (date, time, date-time) or drop the pattern and check the value yourself' },
  additionalItems: { neutral: (value) => value === true, advice: 'is draft-07 tuple syntax: use "prefixItems" and "items" (JSON Schema 2020-12)' },
  $dynamicRef: { neutral: () => false, advice: 'cannot be resolved here: use "$ref" to a definition in "$defs"' },
  $dynamicAnchor: { neutral: () => false, advice: 'cannot be resolved here: use "$ref" to a definition in "$defs"' },
  $recursiveRef: { neutral: () => false, advice: 'cannot be resolved here: use "$ref" to a definition in "$defs"' },
  $recursiveAnchor: { neutral: () => false, advice: 'cannot be resolved here: use "$ref" to a definition in "$defs"' },
};

/** Keywords that only apply to one JSON type; a schema without `type` is read as that type (never looser). */
export const KEYWORDS_BY_TYPE: Readonly<Record<string, readonly string[]>> = {
  string: ['minLength', 'maxLength', 'format'],
  number: ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf'],
  object: ['properties', 'required', 'additionalProperties', 'minProperties', 'maxProperties', 'propertyNames', 'unevaluatedProperties'],
  array: ['items', 'prefixItems', 'minItems', 'maxItems', 'unevaluatedItems'],
};

export const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'null', 'object', 'array'] as const;
export type JsonType = typeof JSON_TYPES[number];

export function isJsonType(value: unknown): value is JsonType {
  return typeof value === 'string' && (JSON_TYPES as readonly string[]).includes(value);
}

/** Keywords that never reject a value by themselves where they stand. */
export function isInert(keyword: string): boolean {
  return ANNOTATIONS.has(keyword) || DEFINITION_CONTAINERS.has(keyword) || !isKnownConstraint(keyword);
}

const CONSTRAINTS: ReadonlySet<string> = new Set([
  'type', 'enum', 'const', '$ref', 'allOf', 'anyOf', 'oneOf', '$id',
  ...Object.values(KEYWORDS_BY_TYPE).flat(), ...Object.keys(REFUSED),
  'unevaluatedProperties', 'unevaluatedItems',
]);

export function isKnownConstraint(keyword: string): boolean {
  return CONSTRAINTS.has(keyword);
}

function isEmptyObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}
