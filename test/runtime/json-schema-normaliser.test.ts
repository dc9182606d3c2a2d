/**
 * The JSON-schema normaliser (runtime/src/api/json-schema) over the dialects clients send: pydantic v2
 * (hand-written fixtures in json-schema/pydantic/), zod 4 (`z.toJSONSchema`, generated here) and hand-written
 * schemas. Each rewrite is checked three ways on sample answers: node-llama-cpp's grammar (with the
 * server's rewrite installed) accepts or rejects the text, node-llama-cpp's own argument validator accepts
 * what the grammar accepts, and ajv accepts it against the schema as sent. Each refusal names its keyword.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { z } from 'zod';
import { schemaErrors } from './json-schema/as-sent';
import { LabResult, SchemaLab } from './json-schema/lab';

const lab = new SchemaLab();
afterAll(() => lab.stop());
const normalise = (schema: unknown, param?: string) => lab.normalise(schema, param);

const pydantic = (name: string): Record<string, unknown> =>
  JSON.parse(readFileSync(path.join(__dirname, 'json-schema', 'pydantic', `${name}.json`), 'utf8'));

/**
 * Runs the schema against texts the grammar must accept and texts it must reject. Every accepted text
 * must also pass node-llama-cpp's validator and ajv (the schema as sent).
 */
async function expectGrammar(schema: unknown, accepted: readonly string[], rejected: readonly string[]): Promise<LabResult> {
  const [result] = await lab.run([{ schema, texts: [...accepted, ...rejected] }]);
  expect(result.error).toBeUndefined();
  const verdicts = result.texts!.map((each) => ({ text: each.text, grammar: each.grammar }));
  expect(verdicts).toEqual([...accepted.map((text) => ({ text, grammar: true })), ...rejected.map((text) => ({ text, grammar: false }))]);
  for (const each of result.texts!.filter((text) => text.grammar)) {
    expect({ text: each.text, validator: each.validator }).toEqual({ text: each.text, validator: 'ok' });
    expect({ text: each.text, errors: schemaErrors(schema, JSON.parse(each.text)) }).toEqual({ text: each.text, errors: [] });
  }
  return result;
}

describe('pydantic v2', () => {
  test('Optional[int] = None: anyOf with null becomes alternatives; the optional field is always written', async () => {
    const schema = pydantic('optional-field');
    const result = await expectGrammar(schema,
      ['{"city": "Paris", "days": null}', '{"city": "Paris", "days": 3}'],
      ['{"city": "Paris"}', '{"city": "Paris", "days": 2.5}', '{"city": "Paris", "days": "3"}', '{"city": "Paris", "days": 1e5}']);
    expect(result.normalised).toEqual({
      type: 'object',
      properties: { city: { type: 'string' }, days: { oneOf: [{ type: 'integer' }, { type: 'null' }] } },
    });
  });

  test('nested models via $defs and $ref, a $ref wrapped in allOf with a description, a list of models, Literal and Enum', async () => {
    const schema = pydantic('nested-models');
    const home = '{"street": "Rue 1", "zip": "75001"}';
    const person = (overrides: Record<string, string>) => {
      const fields = { home, work: home, favourite: '"red"', items: '[{"name": "pen", "qty": 2}]', mode: '"fast"', version: '2', backup: 'null', ...overrides };
      return `{${Object.entries(fields).map(([key, value]) => `"${key}": ${value}`).join(', ')}}`;
    };
    const result = await expectGrammar(schema,
      [person({}), person({ backup: home, items: '[]', favourite: '"blue"' })],
      [person({ favourite: '"purple"' }), person({ home: '{"street": "Rue 1", "zip": "7500"}' }), person({ version: '3' }), person({ mode: '"medium"' })]);
    expect(result.normalised).toEqual({
      type: 'object',
      properties: {
        home: { $ref: '#/$defs/Address' },
        work: { $ref: '#/$defs/Address', description: 'Where they work' },
        favourite: { $ref: '#/$defs/Color' },
        items: { type: 'array', items: { $ref: '#/$defs/Item' } },
        mode: { enum: ['fast', 'slow'] },
        version: { const: 2 },
        backup: { oneOf: [{ $ref: '#/$defs/Address' }, { type: 'null' }] },
      },
      $defs: {
        Address: { type: 'object', properties: { street: { type: 'string' }, zip: { type: 'string', minLength: 5, maxLength: 5 } } },
        Color: { enum: ['red', 'green', 'blue'] },
        Item: { type: 'object', properties: { name: { type: 'string' }, qty: { type: 'integer' } } },
      },
    });
  });

  test('Field(ge=0) on an int is refused with its path; Field(ge=1, le=5) becomes an enum; Field(gt=0) on a float is refused', async () => {
    const schema = pydantic('field-bounds') as { properties: Record<string, unknown> };
    expect((await normalise(schema, 'tools[0].function.parameters')).error).toMatchObject({
      status: 400, code: 'invalid_json_schema', param: 'tools[0].function.parameters.properties.count.minimum',
    });
    expect((await normalise(schema.properties.weight)).error).toMatchObject({ param: 'schema.exclusiveMinimum' });
    await expectGrammar(schema.properties.rating, ['1', '5'], ['0', '6', '2.5']);
    expect((await normalise(schema.properties.rating)).normalised).toEqual({ enum: [1, 2, 3, 4, 5] });
  });

  test('a discriminated union (oneOf told apart by a const), a dict and a tuple', async () => {
    const schema = pydantic('discriminated-union');
    const result = await expectGrammar(schema,
      ['{"pet": {"pet_type": "cat", "lives": 9}, "pets": {"a": 1, "b": 2}, "pair": ["x", true]}', '{"pet": {"pet_type": "dog", "good": true}, "pets": {}, "pair": ["", false]}'],
      ['{"pet": {"pet_type": "cat", "good": true}, "pets": {}, "pair": ["x", true]}', '{"pet": {"pet_type": "dog", "good": true}, "pets": {"a": "1"}, "pair": ["x", true]}',
        '{"pet": {"pet_type": "dog", "good": true}, "pets": {}, "pair": ["x"]}']);
    expect(result.normalised!.properties).toEqual({
      pet: { oneOf: [{ $ref: '#/$defs/Cat' }, { $ref: '#/$defs/Dog' }] },
      pets: { type: 'object', additionalProperties: { type: 'integer' } },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], minItems: 2, maxItems: 2 },
    });
  });
});

describe('zod 4 (z.toJSONSchema)', () => {
  test('.nullable().optional(), .int(), an int range, enum, literal, record, tuple, discriminated union, describe', async () => {
    const schema = z.toJSONSchema(z.object({
      nick: z.string().nullable().optional(),
      address: z.object({ street: z.string() }).nullable().optional(),
      age: z.int(),
      count: z.int().min(0).max(3),
      kind: z.enum(['a', 'b']),
      lit: z.literal('x').describe('Always x'),
      scores: z.record(z.string(), z.number()),
      pair: z.tuple([z.string(), z.boolean()]),
      pet: z.discriminatedUnion('type', [z.object({ type: z.literal('cat'), lives: z.int().min(1).max(9) }), z.object({ type: z.literal('dog') })]),
    }));
    // What zod writes, so a zod upgrade that changes it shows up here first.
    expect(schema).toMatchObject({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      additionalProperties: false,
      properties: { nick: { type: ['string', 'null'] }, address: { anyOf: [{ type: 'object' }, { type: 'null' }] }, age: { minimum: -9007199254740991 } },
    });
    expect((schema as { required: string[] }).required).not.toContain('nick');
    const valid = '{"nick": null, "address": {"street": "s"}, "age": -12, "count": 3, "kind": "b", "lit": "x", "scores": {"m": 1.5}, "pair": ["p", true], "pet": {"type": "cat", "lives": 9}}';
    const result = await expectGrammar(schema,
      [valid, valid.replace('"nick": null', '"nick": "n"').replace('{"street": "s"}', 'null').replace('{"type": "cat", "lives": 9}', '{"type": "dog"}')],
      [valid.replace('"count": 3', '"count": 4'), valid.replace('"age": -12', '"age": 1e3'), valid.replace('"lives": 9', '"lives": 10'), valid.replace('"kind": "b"', '"kind": "c"')]);
    expect(result.normalised!.properties).toMatchObject({
      nick: { oneOf: [{ type: 'string' }, { type: 'null' }] },
      age: { type: 'integer' },
      count: { enum: [0, 1, 2, 3] },
      lit: { const: 'x', description: 'Always x' },
      scores: { type: 'object', additionalProperties: { type: 'number' } },
      pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }], minItems: 2, maxItems: 2 },
    });
  });

  test('a recursive z.lazy schema keeps its recursion ($defs __schema0, reached through anyOf with null)', async () => {
    type Node = { v: number; next: Node | null };
    const node: z.ZodType<Node> = z.lazy(() => z.object({ v: z.int(), next: node.nullable() }));
    const schema = z.toJSONSchema(z.object({ head: node }));
    const result = await expectGrammar(schema, ['{"head": {"v": 1, "next": {"v": 2, "next": null}}}'], ['{"head": {"v": 1}}', '{"head": null}']);
    expect(Object.keys(result.normalised!.$defs)).toEqual(['__schema0']);
  });

  test('z.int().nonnegative() and z.email() are refused, naming the keyword', async () => {
    expect((await normalise(z.toJSONSchema(z.object({ n: z.int().nonnegative() })))).error).toMatchObject({ param: 'schema.properties.n.minimum' });
    const email = (await normalise(z.toJSONSchema(z.object({ e: z.email() })))).error!;
    expect(['schema.properties.e.format', 'schema.properties.e.pattern']).toContain(email.param);
  });
});

describe('rewrites', () => {
  test('{} and true are any JSON value (node-llama-cpp alone made them null)', async () => {
    for (const schema of [{}, true, { description: 'anything' }]) {
      await expectGrammar(schema, ['null', '"s"', '-1.5e3', '[1, {"a": [true]}]', '{}'], ['1e999', '']);
    }
  });

  test('type arrays, including object and array, become alternatives with the keywords of each type', async () => {
    const schema = { type: ['string', 'object', 'array', 'null'], maxLength: 2, properties: { a: { type: 'integer' } }, required: ['a'], maxItems: 1 };
    await expectGrammar(schema, ['"ab"', '{"a": 1}', '[]', '[3]', 'null'], ['"abc"', '{}', '[1, 2]', '1']);
  });

  test('enum and const of mixed types, objects and arrays included, narrowed by the type beside them', async () => {
    await expectGrammar({ enum: ['a', 1, null, true, { k: [1, 'x'] }, []] }, ['"a"', '1', 'null', 'true', '{"k": [1, "x"]}', '[]'], ['"b"', '{"k": [1]}', '[1]', 'false']);
    await expectGrammar({ type: 'integer', enum: ['1', 1, 2.5, 3] }, ['1', '3'], ['"1"', '2.5']);
    await expectGrammar({ const: { a: 'x\ny' } }, [String.raw`{"a": "x\ny"}`], ['{"a": "x"}']);
  });

  test('$ref: #/definitions/x, # (the root) and other JSON pointers are resolved', async () => {
    await expectGrammar({ $ref: '#/definitions/thing', definitions: { thing: { type: 'string', maxLength: 1 } } }, ['"x"'], ['"xy"']);
    // A recursive optional property would be written forever: it is left out (it may be absent).
    const tree = { type: 'object', properties: { value: { type: 'integer' }, child: { $ref: '#' } }, required: ['value'] };
    await expectGrammar(tree, ['{"value": 1}'], ['{"value": 1, "child": {"value": 2}}']);
    const list = { type: 'object', properties: { value: { type: 'integer' }, next: { anyOf: [{ $ref: '#' }, { type: 'null' }] } }, required: ['value', 'next'] };
    await expectGrammar(list, ['{"value": 1, "next": {"value": 2, "next": null}}'], ['{"value": 1}']);
    await expectGrammar({ properties: { a: { type: 'boolean' }, b: { $ref: '#/properties/a' } }, required: ['a', 'b'] }, ['{"a": true, "b": false}'], ['{"a": true, "b": 1}']);
  });

  test('allOf of one schema and $ref with sibling constraints are merged with their siblings', async () => {
    const defs = { $defs: { Name: { type: 'string', minLength: 1 } } };
    await expectGrammar({ ...defs, allOf: [{ $ref: '#/$defs/Name' }], maxLength: 3 }, ['"abc"'], ['""', '"abcd"']);
    await expectGrammar({ ...defs, $ref: '#/$defs/Name', maxLength: 2 }, ['"ab"'], ['"abc"']);
    await expectGrammar({ allOf: [{ type: 'object', properties: { a: { type: 'integer' } } }, { required: ['a'] }] }, ['{"a": 1}'], ['{}']);
  });

  test('anyOf with sibling keywords: each alternative gets them', async () => {
    await expectGrammar({ type: 'object', properties: { a: { type: 'string' }, b: { type: 'integer' } }, anyOf: [{ required: ['a'] }, { required: ['b'] }] },
      ['{"a": "x", "b": 1}'], ['{"a": "x"}']);
  });

  test('a property named __proto__ (valid JSON) is a property like any other', async () => {
    const schema = JSON.parse('{"type": "object", "properties": {"__proto__": {"type": "integer"}}, "required": ["__proto__"]}');
    await expectGrammar(schema, ['{"__proto__": 1}'], ['{}']);
  });

  test('required names a property absent from properties: written with the additionalProperties schema', async () => {
    await expectGrammar({ type: 'object', properties: { a: { type: 'boolean' } }, required: ['b'], additionalProperties: { type: 'integer' } },
      ['{"a": true, "b": 2}'], ['{"a": true}', '{"a": true, "b": "x"}']);
  });

  test('integer bounds no written integer can reach are satisfied; small ranges are enums; multipleOf filters them', async () => {
    expect((await normalise({ type: 'integer', minimum: -1e300, maximum: 9007199254740991 })).normalised).toEqual({ type: 'integer' });
    expect((await normalise({ type: 'integer', exclusiveMinimum: 0.5, maximum: 12, multipleOf: 4 })).normalised).toEqual({ enum: [4, 8, 12] });
    expect((await normalise({ type: 'number', minimum: -1e120, maximum: 1e120 })).normalised).toEqual({ type: 'number' });
  });

  test('strings: bounded lengths count code points (BMP characters only), date/time/date-time are exact', async () => {
    await expectGrammar({ type: 'string', minLength: 2, maxLength: 3 }, ['"ab"', String.raw`"\u00e9\n\""`, '"日本語"'], ['"a"', '"abcd"', '"😀😀"', String.raw`"\ud83d\ude00"`]);
    await expectGrammar({ type: 'string', format: 'date' }, ['"2024-02-29"', '"2000-02-29"', '"2023-12-31"'], ['"2023-02-29"', '"1900-02-29"', '"2023-04-31"', '"2023-1-01"']);
    await expectGrammar({ type: 'string', format: 'time' }, ['"23:59:59Z"', '"08:00:00.123+05:30"'], ['"24:00:00Z"', '"08:00:00"']);
    await expectGrammar({ type: 'string', format: 'date-time' }, ['"2024-02-29T12:00:00Z"'], ['"2023-02-29T12:00:00Z"', '"2024-02-29 12:00:00Z"']);
    const long = 'x'.repeat(2500);
    await expectGrammar({ type: 'string', minLength: 1200, maxLength: 2500 }, [`"${long}"`, `"${long.slice(1300)}"`], [`"${long}x"`, `"${long.slice(1301)}"`]);
  });

  test('arrays: prefixItems longer than maxItems are cut, items: false ends the array', async () => {
    await expectGrammar({ type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }, { type: 'boolean' }], maxItems: 2 }, ['[1, "a"]'], ['[1, "a", true]', '[1]']);
    await expectGrammar({ type: 'array', prefixItems: [{ type: 'integer' }], items: false }, ['[1]'], ['[1, 2]']);
    await expectGrammar({ type: 'array', items: { type: 'integer' }, minItems: 2, maxItems: 3 }, ['[1, 2]', '[1, 2, 3]'], ['[1]', '[1, 2, 3, 4]']);
  });

  test('maxProperties below the properties written leaves optional ones out', async () => {
    await expectGrammar({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'integer' }, c: { type: 'integer' } }, required: ['c'], maxProperties: 2 },
      ['{"a": 1, "c": 3}'], ['{"a": 1, "b": 2, "c": 3}']);
  });

  test('annotations and unknown keywords constrain nothing and are dropped; descriptions stay for the prompt', async () => {
    const schema = {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://example.invalid/s',
      $comment: 'c',
      title: 'T',
      description: 'D',
      type: 'object',
      properties: { a: { 'type': 'string', 'title': 'A', 'description': 'the a', 'default': 'x', 'examples': ['y'], 'deprecated': true, 'readOnly': true, 'x-extra': 1 } },
      required: ['a'],
      additionalProperties: false,
    };
    expect((await normalise(schema)).normalised).toEqual({ type: 'object', description: 'D', properties: { a: { type: 'string', description: 'the a' } } });
  });

  test('equal alternatives are written once (each copy would be one more llama.cpp parse stack)', async () => {
    // 12 levels: ajv (2020-12, which evaluates every anyOf branch) takes 2^levels steps to judge the answer;
    // hardening.test.ts sends 40 levels to the server.
    const $defs: Record<string, unknown> = { d12: { type: 'integer' } };
    for (let i = 0; i < 12; i++) $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const result = await expectGrammar({ $defs, $ref: '#/$defs/d0' }, ['7'], ['"7"']);
    expect(result.normalised!.$defs.d0).toEqual({ $ref: '#/$defs/d1' });
  });

  test('a chain of definitions that reference each other twice is normalised in linear time', async () => {
    const levels = 40;
    const $defs: Record<string, unknown> = { [`d${levels}`]: { type: 'integer' } };
    for (let i = 0; i < levels; i++) $defs[`d${i}`] = { oneOf: [{ $ref: `#/$defs/d${i + 1}` }, { type: 'string' }], anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const started = Date.now();
    const result = await normalise({ $defs, $ref: '#/$defs/d0' });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(result.normalised ?? result.error).toBeDefined();
  });
});

describe('refusals name the keyword and its path', () => {
  const nested = (schema: unknown) => ({ type: 'object', properties: { a: schema } });
  const deep = (levels: number): unknown => (levels === 0 ? { type: 'string' } : { type: 'array', items: deep(levels - 1) });
  const alike = (ref: string, last: string) => ({
    type: 'object', properties: { next: { anyOf: [{ $ref: ref }, { type: 'null' }] }, [last]: { type: 'string' } }, required: ['next', last],
  });
  const nestedAlike: Record<string, unknown> = { d6: { type: 'integer' } };
  for (let i = 0; i < 6; i++) nestedAlike[`d${i}`] = { anyOf: [alike(`#/$defs/d${i + 1}`, 'a'), alike(`#/$defs/d${i + 1}`, 'b')] };
  const cases: Array<[string, unknown, string]> = [
    ['recursion through alternatives that begin alike', { $defs: { n: { anyOf: [alike('#/$defs/n', 'a'), alike('#/$defs/n', 'b')] } }, $ref: '#/$defs/n' }, 'schema.$defs.n'],
    ['alternatives that begin alike nested six deep (2^6 parse stacks)', { $defs: nestedAlike, $ref: '#/$defs/d0' }, 'schema'],
    ['not', nested({ not: { type: 'string' } }), 'schema.properties.a.not'],
    ['if/then/else', nested({ if: { type: 'string' }, then: { minLength: 1 } }), 'schema.properties.a.if'],
    ['pattern', nested({ type: 'string', pattern: '^a' }), 'schema.properties.a.pattern'],
    ['a format other than date/time/date-time', nested({ type: 'string', format: 'uuid' }), 'schema.properties.a.format'],
    ['uniqueItems: true', nested({ type: 'array', uniqueItems: true }), 'schema.properties.a.uniqueItems'],
    ['contains', nested({ type: 'array', contains: { type: 'integer' } }), 'schema.properties.a.contains'],
    ['dependentRequired', { type: 'object', dependentRequired: { a: ['b'] } }, 'schema.dependentRequired'],
    ['patternProperties', { type: 'object', patternProperties: { '^x': { type: 'integer' } } }, 'schema.patternProperties'],
    ['propertyNames beyond type string', { type: 'object', propertyNames: { maxLength: 3 } }, 'schema.propertyNames'],
    ['minimum on a number', nested({ type: 'number', minimum: 0, maximum: 1 }), 'schema.properties.a.minimum'],
    ['multipleOf on a number', nested({ type: 'number', multipleOf: 0.5 }), 'schema.properties.a.multipleOf'],
    ['a draft-04 boolean exclusiveMinimum', nested({ type: 'integer', minimum: 0, exclusiveMinimum: true }), 'schema.properties.a.exclusiveMinimum'],
    ['a remote $ref', nested({ $ref: 'other.json#/x' }), 'schema.properties.a.$ref'],
    ['an anchor $ref', nested({ $ref: '#thing' }), 'schema.properties.a.$ref'],
    ['a $ref to a missing definition', nested({ $ref: '#/$defs/missing' }), 'schema.properties.a.$ref'],
    ['false', { type: 'object', properties: { a: false }, required: ['a'] }, 'schema.properties.a'],
    ['a oneOf whose alternatives overlap', nested({ oneOf: [{ type: 'string' }, { type: 'string', maxLength: 3 }] }), 'schema.properties.a.oneOf'],
    ['a const with a control character', nested({ const: 'a\u0001' }), 'schema.properties.a.const'],
    ['a nested $id', nested({ $id: 'x', type: 'string' }), 'schema.properties.a.$id'],
    ['required outside properties with additionalProperties false', { type: 'object', properties: {}, required: ['b'], additionalProperties: false }, 'schema.required'],
    ['minProperties 2 on a map', { type: 'object', additionalProperties: { type: 'integer' }, minProperties: 2 }, 'schema.minProperties'],
    ['maxLength over the limit', nested({ type: 'string', maxLength: 20_000 }), 'schema.properties.a.maxLength'],
    ['minItems over the limit', nested({ type: 'array', minItems: 600 }), 'schema.properties.a.minItems'],
    ['left recursion', { $defs: { a: { anyOf: [{ $ref: '#/$defs/a' }, { type: 'null' }] } }, $ref: '#/$defs/a' }, 'schema.$defs.a'],
    ['draft-07 tuple items', nested({ type: 'array', items: [{ type: 'string' }] }), 'schema.properties.a.items'],
    ['allOf parts that disagree', { allOf: [{ const: 1 }, { const: 2 }] }, 'schema.allOf[1].const'],
    ['an unknown type', nested({ type: 'date' }), 'schema.properties.a.type'],
    ['nesting deeper than 64', deep(70), `schema${'.items'.repeat(65)}`],
    ['more work than the budget', { enum: Array.from({ length: 60_000 }, (_, i) => i) }, 'schema.enum'],
  ];
  test.each(cases)('%s', async (_name, schema, param) => {
    const result = await normalise(schema);
    expect(result.error).toMatchObject({ status: 400, code: 'invalid_json_schema', param });
    expect(result.error!.message).toContain(`'${param}'`);
  });
});
