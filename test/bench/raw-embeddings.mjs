// The "raw" side of the embeddings benchmark: node-llama-cpp's own getEmbeddingFor with nothing around it.
// It loads the model once, prints one "ready" JSON line, then embeds one batch per JSON line read from stdin, so
// the orchestrator can interleave its batches with the server's requests.
//
// usage: node raw-embeddings.mjs --model FILE --threads N --context-size N --batch-size N --contexts 1|2
//   --contexts 1: one embedding context with every thread, inputs one after another (the library's plain use);
//   --contexts 2: two contexts created with every thread each, inputs handed to whichever is free (node-llama-cpp's
//                 thread splitter shares the threads while both run): the server's strategy, without the server.
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
  for (const required of ['model', 'threads', 'contextSize', 'batchSize', 'contexts']) {
    if (args[required] === undefined) throw new Error(`missing --${required}`);
  }
  return { ...args, threads: Number(args.threads), contextSize: Number(args.contextSize), batchSize: Number(args.batchSize), contexts: Number(args.contexts) };
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
  contexts.push(await model.createEmbeddingContext({ contextSize: args.contextSize, batchSize: args.batchSize, threads: args.threads }));
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
