/**
 * JSON Schema as SDKs write it, end to end: the real server on a random-weights model (temperature 1, so
 * only the grammar shapes the answer), structured output and forced tool calls. Before the normaliser, the
 * pydantic Optional tool failed with a 500 on every seed (node-llama-cpp's argument check threw "Unknown
 * immutable type undefined") and `anyOf: [string, integer]` answered `null` (a grammar of null only).
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ServerHandle, startServer } from './harness';
import { post } from './http-client';
import { schemaErrors } from './json-schema/as-sent';
import { closingTokenBias } from './json-schema/closing-tokens';
import { tinyModel } from './models';

const tiny = tinyModel();
const SEEDS = [1, 2, 3, 4];
const optionalField = JSON.parse(readFileSync(path.join(__dirname, 'json-schema', 'pydantic', 'optional-field.json'), 'utf8'));
let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({ env: { LLM_MODEL_PATH: tiny.path } });
});

afterAll(async () => {
  if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

const ask = (extra: Record<string, unknown>, seed: number) => post(server.url, '/v1/chat/completions', {
  messages: [{ role: 'user', content: 'Fill it in.' }],
  temperature: 1,
  seed,
  max_tokens: 300,
  // No reasoning: a random model's thoughts would use up max_tokens before the grammar-bound answer starts;
  // and a random model rarely samples the quote that ends a string: favour it (and the brackets) a little.
  max_reasoning_tokens: 0,
  logit_bias: closingTokenBias(),
  ...extra,
});

/** Every answer is a 200; every finished one parses and validates against the schema as sent. */
async function structuredAnswers(schema: unknown): Promise<unknown[]> {
  const finished: unknown[] = [];
  for (const seed of SEEDS) {
    const res = await ask({ response_format: { type: 'json_schema', json_schema: { name: 'answer', schema } } }, seed);
    expect({ seed, status: res.status, body: res.status === 200 ? undefined : res.json }).toEqual({ seed, status: 200, body: undefined });
    const choice = res.json.choices[0];
    if (choice.finish_reason !== 'stop') continue;
    const value = JSON.parse(choice.message.content);
    expect({ seed, value, errors: schemaErrors(schema, value) }).toEqual({ seed, value, errors: [] });
    finished.push(value);
  }
  expect(finished.length).toBeGreaterThan(0);
  return finished;
}

test('response_format: pydantic\'s Optional field (anyOf with null) gives valid JSON', async () => {
  await structuredAnswers(optionalField);
});

test('response_format: anyOf [string, integer] gives a string or an integer, never null', async () => {
  const answers = await structuredAnswers({ anyOf: [{ type: 'string' }, { type: 'integer' }] });
  for (const answer of answers) expect(typeof answer === 'string' || Number.isInteger(answer)).toBe(true);
});

test('tool_choice "required" with pydantic\'s Optional field: a 200 with valid arguments on every seed (was a 500)', async () => {
  const tools = [{ type: 'function', function: { name: 'forecast', description: 'Weather forecast', parameters: optionalField } }];
  let calls = 0;
  for (const seed of SEEDS) {
    const res = await ask({ tools, tool_choice: 'required' }, seed);
    expect({ seed, status: res.status, body: res.status === 200 ? undefined : res.json }).toEqual({ seed, status: 200, body: undefined });
    for (const call of res.json.choices[0].message.tool_calls ?? []) {
      const args = JSON.parse(call.function.arguments);
      expect({ seed, args, errors: schemaErrors(optionalField, args) }).toEqual({ seed, args, errors: [] });
      calls++;
    }
  }
  expect(calls).toBeGreaterThan(0);
});

test('a schema the grammar cannot enforce is a 400 naming the keyword, for tools and for response_format', async () => {
  const bounded = { type: 'object', properties: { count: { type: 'integer', minimum: 0 } }, required: ['count'] };
  const tool = await ask({ tools: [{ type: 'function', function: { name: 'f', parameters: bounded } }], tool_choice: 'required' }, 1);
  expect(tool.status).toBe(400);
  expect(tool.json.error).toMatchObject({ code: 'invalid_json_schema', param: 'tools[0].function.parameters.properties.count.minimum' });
  const format = await ask({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema: bounded } } }, 1);
  expect(format.json.error).toMatchObject({ code: 'invalid_json_schema', param: 'response_format.json_schema.schema.properties.count.minimum' });
});
