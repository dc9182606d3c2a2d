// Drives the ESM model-source module from the CommonJS jest tests, in a child process like the server would.
// Usage: node model-source-runner.mjs <path of runtime/dist/model-source/index.js> resolve '<settings json>'
//        node model-source-runner.mjs <...index.js> validate '<json array of paths>'
// Prints one JSON object per line: {"log":{...}} for each log event, then {"result":...} or {"error":"..."}.
import { pathToFileURL } from 'node:url';

const [, , modulePath, mode, json] = process.argv;
const emit = (line) => process.stdout.write(`${JSON.stringify(line)}\n`);
const modelSource = await import(pathToFileURL(modulePath).href);

try {
  if (mode === 'resolve') {
    const path = await modelSource.resolveModelPath(JSON.parse(json), (event) => emit({ log: event }));
    emit({ result: path });
  } else if (mode === 'validate') {
    for (const path of JSON.parse(json)) {
      try {
        emit({ path, summary: await modelSource.validateGgufFile(path) });
      } catch (error) {
        emit({ path, error: error instanceof Error ? error.message : String(error) });
      }
    }
  } else {
    throw new Error(`unknown mode ${mode}`);
  }
} catch (error) {
  emit({ error: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
}
