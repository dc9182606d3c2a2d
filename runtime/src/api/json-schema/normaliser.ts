import { checkAmbiguity } from './ambiguity.js';
import { arraySchema } from './arrays.js';
import type { WorkBudget } from './budget.js';
import { DisjointnessCheck } from './disjoint.js';
import { KEYWORDS_BY_TYPE, REFUSED, type JsonType } from './keywords.js';
import { keepFiniteValues } from './finite-values.js';
import { checkLeftRecursion } from './left-recursion.js';
import { MAX_DEPTH, MAX_INLINE_HOPS } from './limits.js';
import { literalSchema } from './literals.js';
import { constrains, mergeSchemas, without } from './merge.js';
import { numberSchema } from './numbers.js';
import { objectSchema } from './objects.js';
import { anyValue, union, withDescription, type OutSchema } from './out-schema.js';
import { childPath, isRawObject, own, type RawObject, type RawSchema } from './raw-schema.js';
import { definitionBaseName, resolveReference } from './references.js';
import { refuse, shown } from './refusal.js';
import { stringSchema } from './strings.js';
import { typeList } from './types.js';

/**
 * Rewrites one schema document into node-llama-cpp's subset (see out-schema.ts), never looser than the
 * original: whatever the subset's grammar writes validates against the schema as sent. What cannot be
 * rewritten that way is refused (refusal.ts), naming the keyword and its path.
 *
 * Every referenced schema becomes one definition of the output, normalised once however often it is
 * referenced (recursion stays recursion: node-llama-cpp turns it into recursive grammar rules). Everything
 * else is a tree, so the work is linear in the document, except where keywords are merged into copies
 * (allOf, $ref with siblings, anyOf/oneOf with siblings): the budget bounds those.
 */
export class SchemaNormaliser {
  private readonly definitions: Record<string, OutSchema> = {};
  private readonly names = new Map<object, string>();
  private readonly takenNames = new Set<string>();
  private readonly nextSuffix = new Map<string, number>();
  private readonly pending: Array<{ readonly name: string; readonly schema: RawObject; readonly param: string }> = [];
  private readonly disjointness: DisjointnessCheck;

  constructor(private readonly document: RawSchema, private readonly param: string, private readonly budget: WorkBudget) {
    this.disjointness = new DisjointnessCheck((ref, at) => resolveReference(document, ref, at), budget);
  }

  run(): OutSchema {
    const root = this.schema(this.document, this.param, 0, 0);
    for (let next = this.pending.shift(); next !== undefined; next = this.pending.shift()) {
      this.definitions[next.name] = this.schema(next.schema, next.param, 0, 0);
    }
    if (Object.keys(this.definitions).length === 0) return root;
    checkLeftRecursion(root, this.definitions, this.param);
    keepFiniteValues(root, this.definitions, this.param, this.budget);
    checkAmbiguity(root, this.definitions, this.param, this.budget);
    // node-llama-cpp reads $defs on references, alternatives, objects and arrays only.
    const holdsDefinitions = root.$ref !== undefined || root.oneOf !== undefined || root.type === 'object' || root.type === 'array';
    return holdsDefinitions ? { ...root, $defs: this.definitions } : { oneOf: [root], $defs: this.definitions };
  }

  private schema(node: unknown, param: string, depth: number, hops: number): OutSchema {
    this.budget.spend(param);
    if (depth > MAX_DEPTH) throw refuse(param, `nests deeper than ${MAX_DEPTH} levels.`);
    if (hops > MAX_INLINE_HOPS) throw refuse(param, `merges more than ${MAX_INLINE_HOPS} schemas into one (a cycle of $ref and allOf?).`);
    if (node === true) return anyValue();
    if (node === false) throw refuse(param, 'is false: no value matches it.');
    if (!isRawObject(node)) throw refuse(param, `must be a schema (an object or a boolean), got ${shown(node)}.`);
    this.checkKeywords(node, param, depth === 0 && hops === 0 && node === this.document);
    const description = node.description;
    if (own(node, 'allOf') !== undefined) return withDescription(this.allOf(node, param, depth, hops), description);
    if (own(node, '$ref') !== undefined) return withDescription(this.reference(node, param, depth, hops), description);
    if (own(node, 'anyOf') !== undefined || own(node, 'oneOf') !== undefined) {
      return withDescription(this.alternatives(node, param, depth, hops), description);
    }
    if (own(node, 'const') !== undefined || own(node, 'enum') !== undefined) return withDescription(literalSchema(node, param, this.budget), description);
    return withDescription(this.typed(node, param, depth), description);
  }

  private checkKeywords(node: RawObject, param: string, isRoot: boolean): void {
    for (const key of Object.keys(node)) {
      const refused = own(REFUSED, key) as typeof REFUSED[string] | undefined;
      if (refused !== undefined && !refused.neutral(node[key])) throw refuse(`${param}.${key}`, refused.advice + '.');
      if (key === '$id' && !isRoot) throw refuse(`${param}.$id`, 'inside a schema changes what its references point to: give $id only at the root.');
    }
  }

  private allOf(node: RawObject, param: string, depth: number, hops: number): OutSchema {
    const members = node.allOf;
    if (!Array.isArray(members) || members.length === 0) throw refuse(`${param}.allOf`, `must be a non-empty list of schemas, got ${shown(members)}.`);
    let merged = without(node, 'allOf');
    members.forEach((member, index) => {
      const path = childPath(param, 'allOf', index);
      if (member === true) return;
      if (member === false) throw refuse(path, 'is false: no value matches it.');
      if (!isRawObject(member)) throw refuse(path, `must be a schema, got ${shown(member)}.`);
      merged = mergeSchemas(merged, member, path, this.budget);
    });
    return this.schema(merged, param, depth, hops + 1);
  }

  private reference(node: RawObject, param: string, depth: number, hops: number): OutSchema {
    const target = resolveReference(this.document, node.$ref, `${param}.$ref`);
    const siblings = without(node, '$ref');
    if (target === false) throw refuse(`${param}.$ref`, 'points to false: no value matches it.');
    if (target === true) return this.schema(siblings, param, depth, hops + 1);
    // Only annotations beside it: the reference stays a reference (a rule of its own, recursion allowed).
    if (!constrains(siblings)) return { $ref: `#/$defs/${this.definitionFor(target, node.$ref as string)}` };
    return this.schema(mergeSchemas(siblings, target, param, this.budget), param, depth, hops + 1);
  }

  private definitionFor(target: RawObject, ref: string): string {
    let name = this.names.get(target);
    if (name === undefined) {
      const base = definitionBaseName(ref);
      name = base;
      // A name Object.prototype already has ("__proto__", "constructor") would not be a plain key of $defs.
      while (this.takenNames.has(name) || name in Object.prototype) {
        const suffix = this.nextSuffix.get(base) ?? 2;
        this.nextSuffix.set(base, suffix + 1);
        name = `${base}_${suffix}`;
      }
      this.names.set(target, name);
      this.takenNames.add(name);
      this.pending.push({ name, schema: target, param: `${this.param}${ref.slice(1).split('/').join('.')}` });
    }
    return name;
  }

  /**
   * anyOf and oneOf as alternatives, with the keywords beside them copied into each (A and (B or C) is
   * (A and B) or (A and C)). anyOf is what the grammar does; oneOf only when the alternatives cannot overlap.
   */
  private alternatives(node: RawObject, param: string, depth: number, hops: number): OutSchema {
    const keyword = own(node, 'anyOf') !== undefined ? 'anyOf' : 'oneOf';
    const members = node[keyword];
    if (!Array.isArray(members) || members.length === 0) throw refuse(`${param}.${keyword}`, `must be a non-empty list of schemas, got ${shown(members)}.`);
    const siblings = without(node, keyword);
    const kept: Array<{ schema: RawSchema; path: string }> = [];
    members.forEach((member, index) => {
      const path = childPath(param, keyword, index);
      if (member === false) return;
      if (member !== true && !isRawObject(member)) throw refuse(path, `must be a schema, got ${shown(member)}.`);
      const schema = !constrains(siblings) ? member as RawSchema
        : member === true ? siblings : mergeSchemas(siblings, member as RawObject, path, this.budget);
      kept.push({ schema, path });
    });
    if (kept.length === 0) throw refuse(`${param}.${keyword}`, 'has only false alternatives: no value matches.');
    if (keyword === 'oneOf') this.disjointness.check(kept.map((each) => each.schema), `${param}.oneOf`);
    return union(kept.map(({ schema, path }) => this.schema(schema, path, depth + 1, hops)));
  }

  /** Schemas by type; without `type`, the types whose keywords appear (any value when none does). */
  private typed(node: RawObject, param: string, depth: number): OutSchema {
    let types: JsonType[];
    if (own(node, 'type') !== undefined) {
      types = typeList(node.type, `${param}.type`);
    } else {
      types = (Object.keys(KEYWORDS_BY_TYPE) as JsonType[]).filter((type) => KEYWORDS_BY_TYPE[type].some((key) => own(node, key) !== undefined));
      if (types.length === 0) return anyValue();
    }
    if (types.includes('number')) types = types.filter((type) => type !== 'integer');
    const child = (schema: unknown, path: string) => this.schema(schema, path, depth + 1, 0);
    return union(types.map((type): OutSchema => {
      switch (type) {
        case 'string': return stringSchema(node, param);
        case 'integer':
        case 'number': return numberSchema(node, param, type);
        case 'object': return objectSchema(node, param, child, this.budget);
        case 'array': return arraySchema(node, param, child, this.budget);
        default: return { type };
      }
    }));
  }
}
