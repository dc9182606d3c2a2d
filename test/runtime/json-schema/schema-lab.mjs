/**
 * Runs the runtime's JSON-schema normaliser and node-llama-cpp's grammar (with the server's grammar
 * rewrite installed) in a child process: the runtime is ESM, jest here is CommonJS.
 * argv: the runtime's dist folder. stdin: {"cases": [{"schema", "param"?, "texts"?}]}.
 * stdout: one result per case: {"normalised"} or {"error": {status, message, param, code}}, and for each
 * text whether the grammar accepts it and whether node-llama-cpp's own validator (LlamaJsonSchemaGrammar.parse)
 * accepts what it parses to.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';

const dist = process.argv[2];
const load = (file) => import(pathToFileURL(path.join(dist, file)).href);
const { normaliseJsonSchema } = await load('api/json-schema/index.js');
const { installExactJsonGrammar } = await load('engine/exact-json-grammar.js');
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(path.join(dist, '..', 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href);

const { cases } = JSON.parse(readFileSync(0, 'utf8'));
let llama;
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
    llama ??= await getLlama({ gpu: false, build: 'never', logLevel: LlamaLogLevel.error, logger: () => {} });
    installExactJsonGrammar(llama);
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
process.stdout.write(JSON.stringify(results));
if (llama !== undefined) await llama.dispose();
