import type { WorkBudget } from './budget.js';
import { MAX_INLINE_HOPS } from './limits.js';
import { isRawObject, jsonEqual, own, type RawObject, type RawSchema } from './raw-schema.js';
import { refuse } from './refusal.js';

type Kind = 'string' | 'number' | 'boolean' | 'null' | 'object' | 'array';
const ALL_KINDS: readonly Kind[] = ['string', 'number', 'boolean', 'null', 'object', 'array'];

const kindOf = (value: unknown): Kind =>
  value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value === 'object' ? 'object' : typeof value as Kind;

/**
 * oneOf means "exactly one": the grammar writes a value of one alternative but cannot stop it from also
 * matching another. A oneOf is enforced when its alternatives cannot overlap, shown by either:
 * - the JSON types they accept are disjoint (a string or an object), or
 * - both require a property whose allowed values are listed (const/enum) and share no value, the way
 *   pydantic and zod write discriminated unions.
 * Anything else is refused: anyOf says "at least one", which is what the grammar enforces.
 */
export class DisjointnessCheck {
  /** Kinds each schema object accepts, computed once (a chain of references must not cost 2^n). */
  private readonly kinds = new Map<object, ReadonlySet<Kind>>();

  constructor(private readonly resolve: (ref: unknown, param: string) => RawSchema, private readonly budget: WorkBudget) {}

  check(alternatives: readonly RawSchema[], param: string): void {
    for (let i = 0; i < alternatives.length; i++) {
      for (let j = i + 1; j < alternatives.length; j++) {
        this.budget.spend(param);
        if (!this.disjoint(alternatives[i], alternatives[j], param)) {
          throw refuse(param, `alternatives ${i} and ${j} can both match one value, so "exactly one" cannot be enforced. ` +
            'Use anyOf (at least one), or tell them apart by type or by a required property with different const values.');
        }
      }
    }
  }

  private disjoint(a: RawSchema, b: RawSchema, param: string): boolean {
    const kindsA = this.kindsOf(a, param);
    const kindsB = this.kindsOf(b, param);
    if (![...kindsA].some((kind) => kindsB.has(kind))) return true;
    const objectA = this.target(a, param);
    const objectB = this.target(b, param);
    if (objectA === undefined || objectB === undefined) return false;
    const requiredA = Array.isArray(objectA.required) ? objectA.required : [];
    const requiredB = Array.isArray(objectB.required) ? objectB.required : [];
    return requiredA.some((name) => typeof name === 'string' && requiredB.includes(name) && this.literalsDiffer(objectA, objectB, name, param));
  }

  private literalsDiffer(a: RawObject, b: RawObject, name: string, param: string): boolean {
    const valuesA = this.literals(isRawObject(a.properties) ? own(a.properties, name) : undefined, param);
    const valuesB = this.literals(isRawObject(b.properties) ? own(b.properties, name) : undefined, param);
    if (valuesA === undefined || valuesB === undefined) return false;
    return !valuesA.some((value) => valuesB.some((other) => jsonEqual(value, other)));
  }

  /** The values a schema allows when it lists them (const or enum, through references). */
  private literals(schema: unknown, param: string): readonly unknown[] | undefined {
    const target = this.target(schema, param);
    if (target === undefined) return undefined;
    if (target.const !== undefined) return [target.const];
    return Array.isArray(target.enum) ? target.enum : undefined;
  }

  /** A schema object with its top-level references followed. */
  private target(schema: unknown, param: string): RawObject | undefined {
    let node = schema;
    for (let hops = 0; isRawObject(node) && node.$ref !== undefined; hops++) {
      if (hops >= MAX_INLINE_HOPS) return undefined;
      node = this.resolve(node.$ref, param);
    }
    return isRawObject(node) ? node : undefined;
  }

  private kindsOf(schema: RawSchema, param: string): ReadonlySet<Kind> {
    if (schema === true) return new Set(ALL_KINDS);
    if (schema === false || !isRawObject(schema)) return new Set();
    const known = this.kinds.get(schema);
    if (known !== undefined) return known;
    // A schema reached again while its kinds are being worked out (recursion): assume it accepts anything.
    this.kinds.set(schema, new Set(ALL_KINDS));
    this.budget.spend(param);
    let kinds = new Set<Kind>(ALL_KINDS);
    const narrow = (allowed: Iterable<Kind>) => {
      const keep = new Set(allowed);
      kinds = new Set([...kinds].filter((kind) => keep.has(kind)));
    };
    if (schema.type !== undefined) {
      const types = Array.isArray(schema.type) ? schema.type : [schema.type];
      narrow(types.map((type) => (type === 'integer' ? 'number' : type) as Kind));
    }
    if (schema.const !== undefined) narrow([kindOf(schema.const)]);
    if (Array.isArray(schema.enum)) narrow(schema.enum.map(kindOf));
    for (const keyword of ['anyOf', 'oneOf']) {
      const members = schema[keyword];
      if (Array.isArray(members)) narrow(members.flatMap((member) => [...this.kindsOf(member as RawSchema, param)]));
    }
    if (Array.isArray(schema.allOf)) for (const member of schema.allOf) narrow(this.kindsOf(member as RawSchema, param));
    if (schema.$ref !== undefined) narrow(this.kindsOf(this.resolve(schema.$ref, param), param));
    this.kinds.set(schema, kinds);
    return kinds;
  }
}
