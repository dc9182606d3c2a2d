/**
 * A seeded generator of JSON schemas in the dialect SDKs write (pydantic v2, zod 4, the AI SDK): nested
 * objects with optional fields, Optional as anyOf with null or a type array, enums and consts, $defs with
 * $ref (sometimes wrapped in allOf with a description), arrays with bounds, integer ranges, formats,
 * discriminated unions, maps, annotations, and a share of keywords no grammar can enforce. The same seed
 * gives the same schemas, so a fuzz failure reproduces.
 */

import { XorShift32 } from '../../gguf/tensor-data';

type Schema = Record<string, unknown>;

/** Picks shapes from the tests' seeded generator (test/gguf's xorshift32). */
export class Random {
  private readonly source: XorShift32;

  constructor(seed: number) {
    this.source = new XorShift32(seed);
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.source.nextU32() / 0x1_0000_0000;
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  chance(probability: number): boolean {
    return this.next() < probability;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
}

const WORDS = ['city', 'name', 'count', 'kind', 'tags', 'when', 'note', 'price', 'size', 'mode', 'items', 'owner', 'level', 'score', 'flag'];

/** Keywords no grammar here can enforce, as SDKs write them: each must come back as a 400 naming it. */
const UNENFORCEABLE: ReadonlyArray<() => Schema> = [
  () => ({ type: 'string', pattern: '^[a-z]+$' }),
  () => ({ type: 'string', format: 'email' }),
  () => ({ type: 'string', format: 'uuid' }),
  () => ({ type: 'number', minimum: 0, maximum: 1 }),
  () => ({ type: 'integer', minimum: 0, title: 'Count' }),
  () => ({ type: 'integer', exclusiveMinimum: 0, maximum: 9007199254740991 }),
  () => ({ type: 'array', items: { type: 'string' }, uniqueItems: true }),
  () => ({ not: { type: 'null' } }),
  () => ({ oneOf: [{ type: 'string' }, { type: 'string', maxLength: 3 }] }),
];

export interface GeneratedSchema {
  readonly index: number;
  readonly schema: Schema;
}

class SchemaGenerator {
  private readonly defs: Record<string, Schema> = {};

  constructor(private readonly random: Random) {}

  root(): Schema {
    const object = this.object(0);
    if (Object.keys(this.defs).length > 0) object.$defs = this.defs;
    if (this.random.chance(0.4)) object.$schema = 'https://json-schema.org/draft/2020-12/schema';
    return object;
  }

  private object(depth: number): Schema {
    const properties: Schema = {};
    const required: string[] = [];
    const count = this.random.int(1, depth === 0 ? 4 : 3);
    for (let i = 0; i < count; i++) {
      const name = `${this.random.pick(WORDS)}${i}`;
      properties[name] = this.value(depth + 1);
      if (this.random.chance(0.7)) required.push(name);
    }
    const object: Schema = { type: 'object', properties, required };
    if (this.random.chance(0.5)) object.additionalProperties = false;
    if (this.random.chance(0.3)) object.title = 'Model';
    return object;
  }

  private value(depth: number): Schema {
    const deep = depth < 3;
    const choices: Array<[number, () => Schema]> = [
      [3, () => this.string()],
      [2, () => this.integer()],
      [1, () => ({ type: 'number', description: 'a number' })],
      [1, () => ({ type: 'boolean', default: false })],
      [1, () => ({ enum: this.random.chance(0.5) ? ['low', 'high', 'mid'] : ['a', 1, null, true], title: 'Choice' })],
      [0.6, () => ({ const: this.random.pick(['fixed', 7, false]) })],
      [2, () => this.optional(depth)],
      [1, () => ({ anyOf: [this.string(), this.integer()] })],
      [deep ? 1.5 : 0, () => this.object(depth)],
      [deep ? 1.5 : 0, () => this.array(depth)],
      [deep ? 1 : 0, () => this.reference(depth)],
      [deep ? 0.5 : 0, () => this.discriminated(depth)],
      [0.5, () => ({ type: 'object', additionalProperties: this.integer(), maxProperties: this.random.int(1, 3) })],
      [0.7, () => this.random.pick(UNENFORCEABLE)()],
    ];
    let roll = this.random.next() * choices.reduce((sum, [weight]) => sum + weight, 0);
    for (const [weight, make] of choices) {
      roll -= weight;
      if (roll < 0) return make();
    }
    return this.string();
  }

  private string(): Schema {
    const roll = this.random.next();
    if (roll < 0.2) return { type: 'string', format: this.random.pick(['date', 'time', 'date-time']) };
    if (roll < 0.85) return { type: 'string', ...(this.random.chance(0.3) ? { minLength: this.random.int(1, 3) } : {}), maxLength: this.random.int(3, 12) };
    return { type: 'string', title: 'Text' };
  }

  private integer(): Schema {
    const roll = this.random.next();
    // zod 4's z.int() bounds, a small range (an enum), or none.
    if (roll < 0.35) return { type: 'integer', minimum: -9007199254740991, maximum: 9007199254740991 };
    if (roll < 0.7) {
      const low = this.random.int(-5, 10);
      return { type: 'integer', minimum: low, maximum: low + this.random.int(0, 20), ...(this.random.chance(0.2) ? { multipleOf: 2 } : {}) };
    }
    return { type: 'integer' };
  }

  /** pydantic writes Optional[X] as anyOf with null; zod writes a type array for primitives. */
  private optional(depth: number): Schema {
    if (this.random.chance(0.5)) return { type: [this.random.pick(['string', 'integer', 'boolean']), 'null'] };
    const inner = depth < 3 && this.random.chance(0.3) ? this.object(depth) : this.string();
    return { anyOf: [inner, { type: 'null' }], default: null };
  }

  private array(depth: number): Schema {
    const min = this.random.int(0, 2);
    return { type: 'array', items: this.value(depth + 1), minItems: min, maxItems: min + this.random.int(0, 2) };
  }

  private reference(depth: number): Schema {
    const name = `Model${Object.keys(this.defs).length}`;
    this.defs[name] = this.random.chance(0.5) ? this.object(depth) : { enum: ['red', 'green', 'blue'], type: 'string', title: name };
    const ref = { $ref: `#/$defs/${name}` };
    return this.random.chance(0.4) ? { allOf: [ref], description: `a ${name}` } : ref;
  }

  /** A pydantic/zod discriminated union: oneOf told apart by a required const. */
  private discriminated(depth: number): Schema {
    return {
      oneOf: ['cat', 'dog'].map((kind) => ({
        type: 'object',
        properties: { kind: { type: 'string', const: kind }, value: this.value(depth + 2) },
        required: ['kind', 'value'],
        additionalProperties: false,
      })),
    };
  }
}

export function generateSchemas(seed: number, count: number): GeneratedSchema[] {
  const random = new Random(seed);
  return Array.from({ length: count }, (_, index) => ({ index, schema: new SchemaGenerator(random).root() }));
}
