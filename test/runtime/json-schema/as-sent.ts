/**
 * The judge of every generated answer: ajv in its JSON Schema 2020-12 dialect, with ajv-formats asserting
 * date, time and date-time (the formats the server enforces; it refuses the others). `strict: false`
 * because SDKs add keywords ajv does not know (pydantic's `discriminator`), which JSON Schema ignores.
 */
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';

const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
addFormats(ajv, ['date', 'time', 'date-time']);

/** Errors of a value against the schema as the client sent it; empty when it is valid. */
export function schemaErrors(schema: unknown, value: unknown): string[] {
  const validate = ajv.compile(schema as object);
  return validate(value) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath || '/'} ${error.message}`);
}
