/**
 * Schema fuzz (issue 17, point 6): generated schemas in the SDK dialect (json-schema/schema-generator.ts)
 * × sampling seeds, on a random-weights model at temperature 1 (only the grammar shapes the answers),
 * through response_format and through a tool forced with tool_choice "required". Every answer must be a
 * 400 naming a keyword, or JSON that ajv accepts against the schema as sent (formats asserted); an answer
 * cut by max_tokens is counted apart; a 5xx fails the test. The figures are printed for the closing note.
 * FUZZ_SEED is committed: a failure names the schema index and the sampling seed, and reproduces. To explore
 * further, FUZZ_SEED and FUZZ_SCHEMAS in the environment override the defaults (CI sets neither).
 */
import { ServerHandle, startServer } from './harness';
import { post } from './http-client';
import { schemaErrors } from './json-schema/as-sent';
import { closingTokenBias } from './json-schema/closing-tokens';
import { generateSchemas } from './json-schema/schema-generator';
import { tinyModel } from './models';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20261217);
const SCHEMAS = Number(process.env.FUZZ_SCHEMAS ?? 40);
const SAMPLING_SEEDS = [11, 12, 13];
const MAX_TOKENS = 160;

const tiny = tinyModel();
let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({ env: { LLM_MODEL_PATH: tiny.path } });
});

afterAll(async () => {
  if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

type Route = 'response_format' | 'tools';
interface Figures { refused: number; valid: number; cut: number; serverErrors: number; invalid: string[] }

const PARAM_PREFIX: Readonly<Record<Route, string>> = {
  response_format: 'response_format.json_schema.schema',
  tools: 'tools[0].function.parameters',
};

function request(route: Route, schema: unknown, seed: number): Record<string, unknown> {
  const common = {
    messages: [{ role: 'user', content: 'Fill it in.' }],
    temperature: 1,
    seed,
    max_tokens: MAX_TOKENS,
    max_reasoning_tokens: 0,
    logit_bias: closingTokenBias(),
  };
  return route === 'response_format'
    ? { ...common, response_format: { type: 'json_schema', json_schema: { name: 'fuzz', schema } } }
    : { ...common, tools: [{ type: 'function', function: { name: 'fill', description: 'Fill the form', parameters: schema } }], tool_choice: 'required' };
}

/** The values an answer carries: the content's JSON, or each call's arguments; undefined when it was cut. */
function answerValues(route: Route, choice: any): unknown[] | undefined {
  if (route === 'response_format') return choice.finish_reason === 'stop' ? [JSON.parse(choice.message.content)] : undefined;
  if (choice.finish_reason !== 'tool_calls') return undefined;
  return (choice.message.tool_calls as Array<{ function: { arguments: string } }>).map((call) => JSON.parse(call.function.arguments));
}

test('every generated schema × seed × route: a 400 naming a keyword, or an answer valid against the schema as sent; no 5xx', async () => {
  const schemas = generateSchemas(FUZZ_SEED, SCHEMAS);
  const figures: Figures = { refused: 0, valid: 0, cut: 0, serverErrors: 0, invalid: [] };
  const started = Date.now();
  for (const { index, schema } of schemas) {
    for (const route of ['response_format', 'tools'] as const) {
      for (const seed of SAMPLING_SEEDS) {
        const where = `schema ${index} (FUZZ_SEED ${FUZZ_SEED}), ${route}, seed ${seed}`;
        const res = await post(server.url, '/v1/chat/completions', request(route, schema, seed));
        if (res.status >= 500) {
          figures.serverErrors++;
          figures.invalid.push(`${where}: ${res.status} ${JSON.stringify(res.json)}\n${JSON.stringify(schema)}`);
          continue;
        }
        if (res.status === 400) {
          const error = res.json.error;
          const names = error.code === 'invalid_json_schema' && typeof error.param === 'string' && error.param.startsWith(PARAM_PREFIX[route])
            && error.message.includes(`'${error.param}'`);
          if (!names) figures.invalid.push(`${where}: a 400 that names no keyword: ${JSON.stringify(error)}`);
          figures.refused++;
          // A refusal costs nothing: the other seeds would get the same answer.
          break;
        }
        if (res.status !== 200) {
          figures.invalid.push(`${where}: status ${res.status} ${JSON.stringify(res.json)}`);
          continue;
        }
        const values = answerValues(route, res.json.choices[0]);
        if (values === undefined) {
          figures.cut++;
          continue;
        }
        const errors = values.flatMap((value) => schemaErrors(schema, value));
        if (errors.length > 0) figures.invalid.push(`${where}: ${JSON.stringify(values)} is invalid: ${errors.join('; ')}\n${JSON.stringify(schema)}`);
        else figures.valid++;
      }
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  // eslint-disable-next-line no-console
  console.log(`schema fuzz (FUZZ_SEED ${FUZZ_SEED}): ${SCHEMAS} schemas × ${SAMPLING_SEEDS.length} seeds × 2 routes in ${seconds} s: ` +
    `${figures.refused} refused with 400 (one per schema and route), ${figures.valid} valid, ${figures.cut} cut by max_tokens, ` +
    `${figures.serverErrors} 5xx, ${figures.invalid.length - figures.serverErrors} invalid`);
  expect(figures.invalid).toEqual([]);
  expect(figures.serverErrors).toBe(0);
  // The generator must exercise both outcomes, and cut answers must stay rare.
  expect(figures.refused).toBeGreaterThan(0);
  expect(figures.valid).toBeGreaterThan(figures.cut * 3);
}, 600_000);
