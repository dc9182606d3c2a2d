import { WorkBudget } from './budget.js';
import { SchemaNormaliser } from './normaliser.js';
import type { OutSchema } from './out-schema.js';
import type { RawSchema } from './raw-schema.js';

export { WorkBudget } from './budget.js';
export type { OutSchema } from './out-schema.js';

/**
 * A JSON schema as clients write it (pydantic, zod, the AI SDK, LangChain, by hand), rewritten into the
 * subset node-llama-cpp 3.21.1 enforces, for a grammar (structured output) or a function's parameters
 * (tools). Never looser than the schema as sent; what cannot be enforced is refused with a 400
 * `invalid_json_schema` whose param is the keyword's path under `param`. Route-independent: chat
 * completions and any other route call it with their own field path. Pass one budget for all the schemas
 * of a request.
 */
export function normaliseJsonSchema(schema: RawSchema, param: string, budget = new WorkBudget()): OutSchema {
  const normalised = new SchemaNormaliser(schema, param, budget).run();
  // node-llama-cpp writes a string terminal at the root inline instead of as a named rule, where the
  // grammar rewrite (engine/exact-json-grammar.ts) finds it: an alternative of one keeps it named.
  return normalised.type === 'string' ? { oneOf: [normalised] } : normalised;
}
