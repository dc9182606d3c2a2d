import { invalidRequest } from '../http/api-error.js';

const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'null', 'object', 'array']);
const SUBSCHEMA_MAPS = ['properties', '$defs', 'definitions'];
const SUBSCHEMA_LISTS = ['oneOf', 'anyOf', 'allOf', 'prefixItems'];
const SUBSCHEMAS = ['items', 'additionalProperties', 'not'];

/**
 * node-llama-cpp turns a JSON schema into a grammar without complaining about what it does not know
 * (an unknown `type` simply allows any value), so the one mistake that silently drops the constraint is
 * caught here: every `type` must be a JSON type.
 */
export function checkSchemaTypes(schema: unknown, param: string, depth = 0): void {
  if (depth > 64 || schema === null || typeof schema !== 'object' || Array.isArray(schema)) return;
  const node = schema as Record<string, unknown>;
  if (node.type !== undefined) {
    const types = Array.isArray(node.type) ? node.type : [node.type];
    for (const type of types) {
      if (typeof type !== 'string' || !TYPES.has(type)) {
        throw invalidRequest(`'${param}.type' must be a JSON type (${[...TYPES].join(', ')}), got ${JSON.stringify(type)}.`,
          `${param}.type`, 'invalid_json_schema');
      }
    }
  }
  for (const key of SUBSCHEMA_MAPS) {
    const map = node[key];
    if (map !== null && typeof map === 'object' && !Array.isArray(map)) {
      for (const [name, child] of Object.entries(map)) checkSchemaTypes(child, `${param}.${key}.${name}`, depth + 1);
    }
  }
  for (const key of SUBSCHEMA_LISTS) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((child, index) => checkSchemaTypes(child, `${param}.${key}[${index}]`, depth + 1));
  }
  for (const key of SUBSCHEMAS) checkSchemaTypes(node[key], `${param}.${key}`, depth + 1);
}
