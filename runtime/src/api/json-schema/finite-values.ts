import type { WorkBudget } from './budget.js';
import { optionalProperties, type OutSchema } from './out-schema.js';
import { refuse } from './refusal.js';

/**
 * node-llama-cpp writes every property, optional ones included, so a recursive optional property
 * (`{"properties": {"child": {"$ref": "#"}}}`) would have to be written forever: the model could never
 * finish. Optional properties and alternatives that cannot end are left out (an optional property may be
 * absent; an alternative need not be chosen), round after round until everything left can end; a schema
 * left with no finite value is refused. (When two optional properties recurse through each other both go,
 * though keeping one would do: simple, and still never looser.)
 */
export function keepFiniteValues(root: OutSchema, definitions: Record<string, OutSchema>, param: string, budget: WorkBudget): void {
  let finite = new Map<string, boolean>();
  /** Whether the grammar can finish writing this schema, every property it has included. */
  const ends = (schema: OutSchema): boolean => {
    budget.spend(param);
    if (typeof schema.$ref === 'string') return finite.get(schema.$ref.slice('#/$defs/'.length)) === true;
    if (Array.isArray(schema.oneOf)) return (schema.oneOf as OutSchema[]).some(ends);
    if (schema.type === 'object') {
      const entriesEnd = Object.values((schema.properties ?? {}) as Record<string, OutSchema>).every(ends);
      const needsEntries = typeof schema.additionalProperties === 'object' && typeof schema.minProperties === 'number' && schema.minProperties > 0;
      return entriesEnd && (!needsEntries || ends(schema.additionalProperties as OutSchema));
    }
    if (schema.type === 'array') {
      const prefix = (schema.prefixItems ?? []) as OutSchema[];
      const needsItems = typeof schema.minItems === 'number' && schema.minItems > prefix.length && schema.items !== undefined;
      return prefix.every(ends) && (!needsItems || ends(schema.items as OutSchema));
    }
    return true;
  };
  const solve = (): void => {
    // Least fixed point: a definition ends once it can be written with definitions known to end.
    finite = new Map();
    for (let changed = true; changed;) {
      changed = false;
      for (const [name, schema] of Object.entries(definitions)) {
        if (finite.get(name) !== true && ends(schema)) {
          finite.set(name, true);
          changed = true;
        }
      }
    }
  };
  /** Leaves out what cannot end where leaving it out is allowed; returns how much it left out. */
  const prune = (schema: OutSchema): number => {
    budget.spend(param);
    let dropped = 0;
    if (Array.isArray(schema.oneOf)) {
      const alternatives = schema.oneOf as OutSchema[];
      const ending = alternatives.filter(ends);
      if (ending.length > 0 && ending.length < alternatives.length) {
        dropped += alternatives.length - ending.length;
        schema.oneOf = ending;
      }
      for (const alternative of schema.oneOf as OutSchema[]) dropped += prune(alternative);
    } else if (schema.type === 'object') {
      const properties = (schema.properties ?? {}) as Record<string, OutSchema>;
      const optional = optionalProperties.get(schema);
      for (const [name, child] of Object.entries(properties)) {
        if (optional?.has(name) === true && !ends(child)) {
          delete properties[name];
          dropped++;
        } else {
          dropped += prune(child);
        }
      }
      if (typeof schema.additionalProperties === 'object') dropped += prune(schema.additionalProperties as OutSchema);
    } else if (schema.type === 'array') {
      for (const item of (schema.prefixItems ?? []) as OutSchema[]) dropped += prune(item);
      if (schema.items !== undefined) dropped += prune(schema.items as OutSchema);
    }
    return dropped;
  };
  for (let dropped = 1; dropped > 0;) {
    solve();
    dropped = prune(root) + Object.values(definitions).reduce((sum, schema) => sum + prune(schema), 0);
  }
  if (!ends(root)) throw refuse(param, 'has no finite value as the grammar writes it: a recursion through required properties never ends.');
}
