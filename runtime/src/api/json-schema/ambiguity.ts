import type { WorkBudget } from './budget.js';
import { MAX_PARSE_STACKS } from './limits.js';
import type { OutSchema } from './out-schema.js';
import { refuse } from './refusal.js';

/**
 * llama.cpp's grammar keeps one parse stack per way the text so far can be read. Alternatives that begin
 * alike (`{"anyOf": [{"$ref": "#/$defs/a"}, {"$ref": "#/$defs/a"}]}`, or two objects with the same first
 * property) stay alive side by side, and nested ones multiply: forty such levels are 2^40 stacks, and the
 * server would hang building them. This bounds the stacks alive at once: alternatives are grouped by how
 * they begin (the first character, a literal's value, an object's first key and literal value), only a
 * group can stay alive past its start, and within a group the stacks of its members add up. Recursion
 * through such a group has no bound at all and is refused.
 */
export function checkAmbiguity(root: OutSchema, definitions: Readonly<Record<string, OutSchema>>, param: string, budget: WorkBudget): void {
  const memo = new Map<string, ReadonlyMap<string, number>>();
  const inProgress = new Set<string>();
  const recursive = new Set<string>();

  const definitionStacks = (name: string): ReadonlyMap<string, number> => {
    const known = memo.get(name);
    if (known !== undefined) return known;
    if (inProgress.has(name)) {
      recursive.add(name);
      // Left recursion was refused, so a definition reached again sits inside an object or an array.
      return new Map([...starts(definitions[name])].map((start) => [start, 1]));
    }
    inProgress.add(name);
    const result = stacks(definitions[name]);
    inProgress.delete(name);
    memo.set(name, result);
    return result;
  };

  const startsMemo = new Map<string, ReadonlySet<string>>();
  /** How a value of this schema can begin, through alternatives and references (no left recursion there). */
  const starts = (schema: OutSchema): ReadonlySet<string> => {
    budget.spend(param);
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.slice('#/$defs/'.length);
      let known = startsMemo.get(name);
      if (known === undefined) {
        known = starts(definitions[name]);
        startsMemo.set(name, known);
      }
      return known;
    }
    if (Array.isArray(schema.oneOf)) return new Set((schema.oneOf as OutSchema[]).flatMap((each) => [...starts(each)]));
    return new Set(Object.keys(ownStacks(schema, () => 1)));
  };

  /** For each way of beginning, the most stacks alive at once while a value of this schema is read. */
  const stacks = (schema: OutSchema): ReadonlyMap<string, number> => {
    budget.spend(param);
    if (typeof schema.$ref === 'string') return definitionStacks(schema.$ref.slice('#/$defs/'.length));
    if (Array.isArray(schema.oneOf)) {
      const sums = new Map<string, number>();
      for (const alternative of schema.oneOf as OutSchema[]) {
        for (const [start, count] of stacks(alternative)) sums.set(start, (sums.get(start) ?? 0) + count);
      }
      // A map (or an object without properties) may begin with any key: it goes along with every object.
      if (sums.has(MAP)) {
        const objects = [...sums].filter(([start]) => start.startsWith('object '));
        for (const [start] of objects) sums.delete(start);
        sums.set(MAP, objects.reduce((sum, [, count]) => sum + count, 0));
      }
      return sums;
    }
    return new Map(Object.entries(ownStacks(schema, (child) => most(stacks(child)))));
  };

  const total = most(stacks(root));
  for (const name of recursive) {
    if (most(definitionStacks(name)) > 1) {
      throw refuse(`${param}.$defs.${name}`, 'is recursive through alternatives that begin alike (so the grammar cannot tell them apart until later): ' +
        'the ways to read a value would multiply with every level. Tell the alternatives apart by type or by a first property with different const values.');
    }
  }
  if (total > MAX_PARSE_STACKS) {
    throw refuse(param, `has alternatives that begin alike nested inside each other: ${total} ways to read one value at once, more than ` +
      `${MAX_PARSE_STACKS}. Remove duplicate alternatives, or tell them apart by type or by a first property with different const values.`);
  }
}

const MAP = 'object ';

const most = (map: ReadonlyMap<string, number>): number => Math.max(1, ...map.values());

/** The ways a schema that is not an alternative or a reference begins, each with the stacks alive inside it. */
function ownStacks(schema: OutSchema, inner: (child: OutSchema) => number): Record<string, number> {
  if (schema.const !== undefined) return { [`literal ${JSON.stringify(schema.const)}`]: 1 };
  if (Array.isArray(schema.enum)) return Object.fromEntries(schema.enum.map((value) => [`literal ${JSON.stringify(value)}`, 1]));
  const types = Array.isArray(schema.type) ? schema.type as string[] : [schema.type as string];
  const result: Record<string, number> = {};
  for (const type of types) {
    if (type === 'object') {
      const properties = Object.entries((schema.properties ?? {}) as Record<string, OutSchema>);
      const [firstName, firstSchema] = properties[0] ?? [];
      // Objects part ways at their first key, or at its value when that is a literal.
      const first = firstName === undefined ? '' : `${JSON.stringify(firstName)}:${firstSchema.const !== undefined ? JSON.stringify(firstSchema.const) : '*'}`;
      const children = [...properties.map(([, child]) => child), ...(typeof schema.additionalProperties === 'object' ? [schema.additionalProperties as OutSchema] : [])];
      result[`object ${first}`] = Math.max(1, ...children.map(inner));
    } else if (type === 'array') {
      const children = [...((schema.prefixItems ?? []) as OutSchema[]), ...(schema.items !== undefined ? [schema.items as OutSchema] : [])];
      result.array = Math.max(1, ...children.map(inner));
    } else {
      result[type === 'integer' ? 'number' : type] = 1;
    }
  }
  return result;
}
