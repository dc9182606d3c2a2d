// The "raw" side of the embeddings benchmark: node-llama-cpp's own getEmbeddingFor with nothing around it.
// It loads the model once, prints one "ready" JSON line, then embeds one batch per JSON line read from stdin, so
// the orchestrator can interleave its batches with the server's requests.
//
// usage: node raw-embeddings.mjs --model FILE --threads N --context-threads N --context-size N --batch-size N --contexts 1|2
//   --threads: getLlama's maxThreads (all the process may use); --context-threads: each context's threads;
//   --contexts: embedding contexts, inputs handed to whichever is free. One context with every thread is the
//   library's plain use; two with half each is the server's strategy without the server; two with every thread each
//   leave the sharing to node-llama-cpp's thread splitter.
// stdin: {"inputs": ["...", ...]} | {"vector": "..."}   stdout: {"ms", "tokens"} | {"vector": [...]}
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', '..', 'runtime', 'node_modules', 'node-llama-cpp', 'dist', 'index.js');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) args[argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = argv[i + 1];
  for (const required of ['model', 'threads', 'contextThreads', 'contextSize', 'batchSize', 'contexts']) {
    if (args[required] === undefined) throw new Error(`missing --${required}`);
  }
  const number = (name) => Number(args[name]);
  return { ...args, threads: number('threads'), contextThreads: number('contextThreads'), contextSize: number('contextSize'), batchSize: number('batchSize'), contexts: number('contexts') };
}

function peakRssBytes() {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? NaN) * 1024;
}

const send = (message) => process.stdout.write(JSON.stringify(message) + '\n');

const args = parseArgs(process.argv.slice(2));
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(entry).href);
const llama = await getLlama({ gpu: false, build: 'never', maxThreads: args.threads, logLevel: LlamaLogLevel.error });
// As the server loads it (LLM_USE_MMAP=false): read into memory.
const model = await llama.loadModel({ modelPath: args.model, useMmap: false });
const contexts = [];
for (let i = 0; i < args.contexts; i++) {
  contexts.push(await model.createEmbeddingContext({ contextSize: args.contextSize, batchSize: args.batchSize, threads: args.contextThreads }));
}
send({ ready: true, dimensions: model.embeddingVectorSize });

async function embedAll(inputs) {
  let next = 0;
  let tokens = 0;
  const started = performance.now();
  await Promise.all(contexts.map(async (context) => {
    while (next < inputs.length) {
      const input = inputs[next++];
      tokens += context.calculateInputLength(input);
      await context.getEmbeddingFor(input);
    }
  }));
  return { ms: performance.now() - started, tokens, peakRssBytes: peakRssBytes() };
}

for await (const line of createInterface({ input: process.stdin })) {
  const command = JSON.parse(line);
  try {
    if (command.exit) break;
    if (command.vector !== undefined) send({ vector: Array.from((await contexts[0].getEmbeddingFor(command.vector)).vector) });
    else send(await embedAll(command.inputs));
  } catch (error) {
    send({ error: String(error?.stack ?? error) });
  }
}
await llama.dispose();
