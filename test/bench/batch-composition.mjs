// Where parallel streams fall apart: how many tokens each llama.cpp decode carries when N sequences of one
// context generate at once through node-llama-cpp (LlamaCompletion, as the server's /v1/completions does),
// without and with the runtime's step gate (runtime/dist/engine/step-gate.js), and into how many compute
// passes llama.cpp splits each decode: with one KV cache per sequence (node-llama-cpp never unifies them) a
// pass takes only sequences whose ids follow each other in batch order (llama_batch_allocr::split_equal,
// "sequential"), and every pass reads all the weights again. Counts come from wrapping the context's native
// handle (node-llama-cpp internals, read-only here: a diagnosis, never the server's path).
//
// usage: node batch-composition.mjs --model FILE [--threads 2] [--streams 4] [--tokens 48] [--rounds 2] [--context-size 2048]
// stdout: one JSON line per arm and round, then {"done": true}
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = path.join(here, '..', '..', 'runtime');
const { getLlama, LlamaCompletion, LlamaLogLevel } = await import(pathToFileURL(path.join(runtime, 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href);
const { StepGate } = await import(pathToFileURL(path.join(runtime, 'dist', 'engine', 'step-gate.js')).href);

const args = { threads: '2', streams: '4', tokens: '48', rounds: '2', contextSize: '2048' };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = process.argv[i + 1];
if (args.model === undefined) throw new Error('missing --model');
const [threads, streams, tokens, rounds, contextSize] = ['threads', 'streams', 'tokens', 'rounds', 'contextSize'].map((name) => Number(args[name]));

const WORDS = 'once upon a time there was a model that would think about any question a user could have and the people of the world would come to it'.split(' ');
const promptFor = (index) => [...WORDS.slice(index % WORDS.length), ...WORDS.slice(0, index % WORDS.length)].join(' ');

const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: args.model, useMmap: false });

/**
 * llama.cpp's split of one token per sequence, in batch order, into passes: a pass accepts a sequence only
 * when its id is one more than the last one it accepted; the rest wait for the next pass.
 */
function computePasses(sequenceIds) {
  const left = [...sequenceIds];
  let passes = 0;
  while (left.length > 0) {
    passes++;
    let last;
    for (let i = 0; i < left.length; i++) {
      if (last === undefined || left[i] === last + 1) {
        last = left[i];
        left.splice(i--, 1);
      }
    }
  }
  return passes;
}

/** A context of `streams` sequences whose decodes are recorded: when, and how many tokens each carried. */
async function instrumentedContext(gated) {
  const context = await model.createContext({ contextSize, sequences: streams, threads: { ideal: threads, min: threads } });
  const native = context._ctx;
  const decodes = [];
  let pending = 0;
  let order = [];
  const wrapped = {
    addToBatch: (...call) => {
      pending += call[2].length;
      order.push(call[0]);
      return native.addToBatch(...call);
    },
    decodeBatch: async () => {
      const entry = { at: performance.now(), tokens: pending, passes: computePasses(order) };
      pending = 0;
      order = [];
      await native.decodeBatch();
      decodes.push(entry);
    },
  };
  context._ctx = new Proxy(native, { get: (target, name) => wrapped[name] ?? (typeof target[name] === 'function' ? target[name].bind(target) : target[name]) });
  const sequences = Array.from({ length: streams }, () => context.getSequence());
  if (gated) {
    const gate = new StepGate();
    for (const [id, sequence] of sequences.entries()) gate.install(sequence, id);
  }
  return { context, sequences, decodes };
}

let promptIndex = 0;
for (let round = 0; round < rounds; round++) {
  for (const gated of round % 2 === 0 ? [false, true] : [true, false]) {
    const { context, sequences, decodes } = await instrumentedContext(gated);
    const runs = await Promise.all(sequences.map(async (sequence) => {
      const completion = new LlamaCompletion({ contextSequence: sequence });
      const times = [];
      await completion.generateCompletion(promptFor(promptIndex++), {
        maxTokens: tokens, temperature: 0, onToken: (chunk) => { for (const _ of chunk) times.push(performance.now()); },
      });
      return times;
    }));
    // Steady state: every stream has its first token and none has finished.
    const from = Math.max(...runs.map((times) => times[0]));
    const to = Math.min(...runs.map((times) => times.at(-1)));
    const steady = decodes.filter((decode) => decode.at >= from && decode.at < to);
    const carried = steady.reduce((sum, decode) => sum + decode.tokens, 0);
    const passes = steady.reduce((sum, decode) => sum + decode.passes, 0);
    const histogram = {};
    for (const decode of steady) histogram[decode.tokens] = (histogram[decode.tokens] ?? 0) + 1;
    const generated = runs.reduce((sum, times) => sum + times.filter((time) => time >= from && time <= to).length, 0);
    process.stdout.write(`${JSON.stringify({
      round, gated, streams, decodes: steady.length, tokensPerDecode: carried / steady.length, passesPerDecode: passes / steady.length, histogram,
      steadyTokensPerSecond: (generated * 1000) / (to - from),
    })}\n`);
    await context.dispose();
  }
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
await model.dispose();
await llama.dispose();
