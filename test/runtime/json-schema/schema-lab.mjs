/**
 * Runs the runtime's JSON-schema normaliser and node-llama-cpp's grammar, on a Llama started the way the
 * server starts it (Engine.startLlama, which installs the grammar rewrite), in a child process: the runtime
 * is ESM, jest here is CommonJS.
 * argv: the runtime's dist folder. stdin: one request a line, {"cases": [{"schema", "param"?, "texts"?}]}.
 * stdout: one line per request, with one result per case: {"normalised"} or {"error": {status, message, param, code}}, and for each
 * text whether the grammar accepts it and whether node-llama-cpp's own validator (LlamaJsonSchemaGrammar.parse)
 * accepts what it parses to.
 */
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

const dist = process.argv[2];
const load = (file) => import(pathToFileURL(path.join(dist, file)).href);
const { normaliseJsonSchema } = await load('api/json-schema/index.js');
const { Engine } = await load('engine/engine.js');

let llama;
async function run(cases) {
  const results = [];
  for (const { schema, param = 'schema', texts } of cases) {
    let normalised;
    try {
      normalised = normaliseJsonSchema(schema, param);
    } catch (error) {
      if (error?.name !== 'ApiError') throw error;
      results.push({ error: { status: error.status, message: error.message, param: error.param, code: error.code } });
      continue;
    }
    const result = { normalised };
    if (texts !== undefined) {
      llama ??= await Engine.startLlama({ threads: 1, log: () => {} });
      const grammar = await llama.createGrammarForJsonSchema(normalised);
      result.texts = texts.map((text) => {
        const accepted = grammar._testText(`${text}\n\n\n\n`);
        let validator = 'not run';
        if (accepted) {
          try {
            grammar.parse(text);
            validator = 'ok';
          } catch (error) {
            validator = error.message;
          }
        }
        return { text, grammar: accepted, validator };
      });
    }
    results.push(result);
  }
  return results;
}

for await (const line of createInterface({ input: process.stdin })) {
  if (line.trim() === '') continue;
  process.stdout.write(`${JSON.stringify(await run(JSON.parse(line).cases))}\n`);
}
if (llama !== undefined) await llama.dispose();
