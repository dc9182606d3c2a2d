/** What every client script shares: the tool the scripted tool model calls, and how a result is printed. */
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** get_weather's parameters, as a user would write them by hand. */
export const WEATHER_PARAMETERS = {
  type: 'object',
  properties: { city: { type: 'string', description: 'The city' } },
  required: ['city'],
  additionalProperties: false,
};

/** The tool itself: records what it was called with (the test checks the arguments arrive exactly). */
export function weather(args, calls) {
  calls.push(args);
  return { city: args.city, sky: 'sunny', celsius: 21 };
}

/** What the embedding scenarios embed (no newlines: LangChain replaces them with spaces by default). */
export const EMBEDDING_TEXTS = ['hello world', 'the answer is forty two', 'Once upon a time'];

/** Runs the scenario named by the first argument and prints its result (or its error) as one JSON line. */
export async function print(scenarios) {
  const name = process.argv[2];
  const scenario = scenarios[name];
  if (scenario === undefined) throw new Error(`unknown scenario ${name}; known: ${Object.keys(scenarios).join(', ')}`);
  try {
    process.stdout.write(`${JSON.stringify({ ok: true, result: await scenario() })}\n`);
  } catch (error) {
    process.stdout.write(`${JSON.stringify({ ok: false, error: String(error?.stack ?? error), status: error?.status })}\n`);
  }
}

/** A JSON Schema 2020-12 validator (ajv, formats asserted) for a schema as sent: returns its errors, [] when valid. */
export function validator(schema) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  const validate = ajv.compile(schema);
  return (value) => (validate(value) ? [] : validate.errors.map((error) => `${error.instancePath} ${error.message}`));
}
