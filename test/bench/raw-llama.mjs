// The "raw" side of the benchmark: node-llama-cpp with nothing around it.
// It loads the model once, prints one "ready" JSON line, then answers one JSON line per command read
// from stdin, so the orchestrator can interleave its generations with the server's requests.
// ESM on purpose: node-llama-cpp is ESM-only, and the orchestrator is CommonJS TypeScript.
//
// usage: node raw-llama.mjs --model FILE --threads N --context-size N [--api evaluate|completion]
//        [--load mmap|read|direct-io]
// stdin: {"prompt": "...", "tokens": 64} | {"exit": true}
// stdout: {"ready": true, "loadMs": ...} then {"promptTokens", "completionTokens", "ttftMs", ...} per command
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
// The runtime package owns the pinned node-llama-cpp; the benchmark must measure that exact copy.
const entry = path.join(here, '..', '..', 'runtime', 'node_modules', 'node-llama-cpp', 'dist', 'index.js');

// How the weights reach memory: llama.cpp's default mmap, a plain read, or direct I/O past the page cache.
const LOAD_MODES = {
  mmap: {},
  read: { useMmap: false },
  'direct-io': { useMmap: false, useDirectIo: true },
};

function parseArgs(argv) {
  const args = { api: 'evaluate', load: 'mmap' };
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    args[name] = argv[i + 1];
  }
  for (const required of ['model', 'threads', 'contextSize']) {
    if (args[required] === undefined) throw new Error(`missing --${required}`);
  }
  if (!['evaluate', 'completion'].includes(args.api)) throw new Error('--api must be evaluate or completion');
  if (!(args.load in LOAD_MODES)) throw new Error(`--load must be one of ${Object.keys(LOAD_MODES).join(', ')}`);
  return { ...args, threads: Number(args.threads), contextSize: Number(args.contextSize) };
}

/** Peak and current resident memory, split into anonymous memory and mapped file pages. */
function memory() {
  const status = readFileSync('/proc/self/status', 'utf8');
  const field = (name) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
  return { peakRssBytes: field('VmHWM'), rssAnonBytes: field('RssAnon'), rssFileBytes: field('RssFile') };
}

/** The prompt's tokens as LlamaCompletion builds them (beginning-of-sequence token where the model wants one). */
function promptTokens(model, prompt) {
  const tokens = model.tokenize(prompt);
  return model.tokens.shouldPrependBosToken && model.tokens.bos != null ? [model.tokens.bos, ...tokens] : tokens;
}

function send(message) {
  process.stdout.write(JSON.stringify(message) + '\n');
}

/** Generates exactly `count` tokens straight from the sequence, past any end-of-generation token. */
async function generateWithEvaluate(model, sequence, prompt, count) {
  const started = performance.now();
  const tokens = promptTokens(model, prompt);
  let ttftMs;
  let generated = 0;
  let endOfGenerationSeen = false;
  for await (const token of sequence.evaluate(tokens, { temperature: 0 })) {
    if (generated === 0) ttftMs = performance.now() - started;
    if (model.isEogToken(token)) endOfGenerationSeen = true;
    generated += 1;
    if (generated >= count) break;
  }
  const totalMs = performance.now() - started;
  return { promptTokens: tokens.length, completionTokens: generated, ttftMs, totalMs, endOfGenerationSeen };
}

/** The library's own completion API: the layer the server itself builds on. */
async function generateWithCompletion(LlamaCompletion, model, sequence, prompt, count) {
  const completion = new LlamaCompletion({ contextSequence: sequence });
  const before = sequence.tokenMeter.getState();
  const started = performance.now();
  let ttftMs;
  // The server's sampling settings for temperature 0: greedy, no top-k, no repeat penalty.
  await completion.generateCompletion(prompt, {
    maxTokens: count,
    temperature: 0,
    topK: 0,
    repeatPenalty: false,
    onToken() {
      if (ttftMs === undefined) ttftMs = performance.now() - started;
    },
  });
  const totalMs = performance.now() - started;
  const used = sequence.tokenMeter.diff(before);
  return { promptTokens: promptTokens(model, prompt).length, completionTokens: used.usedOutputTokens, ttftMs, totalMs };
}

/** f16 K and V for every layer and context position (llama.cpp's default cache type). */
function kvCacheBytes(model, contextSize) {
  const metadata = model.fileInfo.metadata;
  const arch = metadata[metadata.general.architecture];
  const headCount = arch.attention.head_count;
  const kvHeads = arch.attention.head_count_kv ?? headCount;
  const keyLength = arch.attention.key_length ?? arch.embedding_length / headCount;
  const valueLength = arch.attention.value_length ?? arch.embedding_length / headCount;
  return arch.block_count * contextSize * kvHeads * (keyLength + valueLength) * 2;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  // Milliseconds since this process started, at the end of each start-up phase.
  const phases = {};
  const { getLlama, LlamaCompletion } = await import(pathToFileURL(entry).href);
  phases.imported = performance.now();
  const llama = await getLlama({ gpu: false, build: 'never', maxThreads: args.threads, logLevel: 'error' });
  phases.getLlama = performance.now();
  const model = await llama.loadModel({ modelPath: args.model, ...LOAD_MODES[args.load] });
  phases.modelLoaded = performance.now();
  const context = await model.createContext({ contextSize: args.contextSize, threads: args.threads });
  const sequence = context.getSequence();
  phases.contextCreated = performance.now();
  send({
    ready: true,
    phases,
    kvCacheBytes: kvCacheBytes(model, context.contextSize),
    contextSize: context.contextSize,
    batchSize: context.batchSize,
    threads: context.currentThreads,
    api: args.api,
    load: args.load,
  });

  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) {
    if (!line.trim()) continue;
    const command = JSON.parse(line);
    if (command.exit) break;
    // Every generation starts from an empty KV cache, as a server request with a new prompt does.
    await sequence.clearHistory();
    const result = args.api === 'completion'
      ? await generateWithCompletion(LlamaCompletion, model, sequence, command.prompt, command.tokens)
      : await generateWithEvaluate(model, sequence, command.prompt, command.tokens);
    send({ ...result, ...memory() });
  }
  send({ exiting: true, ...memory() });
  await context.dispose();
  await model.dispose();
  await llama.dispose();
}

main().catch((error) => {
  send({ error: String(error?.stack ?? error) });
  process.exitCode = 1;
});
