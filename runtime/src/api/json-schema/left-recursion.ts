import type { OutSchema } from './out-schema.js';
import { refuse } from './refusal.js';

/** The definitions a schema can start with before writing any character (through $ref and oneOf only). */
function leadingReferences(schema: OutSchema): string[] {
  if (typeof schema.$ref === 'string') return [schema.$ref.slice('#/$defs/'.length)];
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as OutSchema[]).flatMap(leadingReferences);
  return [];
}

/**
 * A definition that can reach itself without writing a character (`{"anyOf": [{"$ref": "#/$defs/a"}, ...]}`
 * as the definition of a) would be a left-recursive grammar rule: llama.cpp refuses it, and for a function
 * call only once the model has started the call. Refused here, before anything runs.
 */
export function checkLeftRecursion(root: OutSchema, definitions: Readonly<Record<string, OutSchema>>, param: string): void {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): void => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...trail.slice(trail.indexOf(name)), name].join(' -> ');
      throw refuse(`${param}.$defs.${name}`, `refers to itself before any object or array begins (${cycle}): no finite value can match.`);
    }
    state.set(name, 'visiting');
    for (const next of leadingReferences(definitions[name])) visit(next, [...trail, name]);
    state.set(name, 'done');
  };
  for (const name of leadingReferences(root)) visit(name, []);
  for (const name of Object.keys(definitions)) visit(name, []);
}
