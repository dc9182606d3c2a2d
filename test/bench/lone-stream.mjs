// What a lone stream pays for LLM_PARALLEL: one generation, nothing else running, on a context of one sequence
// (LLM_PARALLEL=1), on a context of N sequences without and with the runtime's step gate, and on N sequences
// with flash attention (the batching option that helps N streams most). Separates what the gate costs from what
// node-llama-cpp's N-sequence context costs by itself. Variants rotate every round; all share one loaded model.
//
// usage: node lone-stream.mjs --model FILE [--threads 2] [--streams 4] [--tokens 48] [--rounds 6] [--context-size 4096]
// stdout: one JSON line per variant and round ({variant, round, decodeTokensPerSecond}), then {"done": true}
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = path.join(here, '..', '..', 'runtime');
const { getLlama, LlamaLogLevel } = await import(pathToFileURL(path.join(runtime, 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href);
const { StepGate } = await import(pathToFileURL(path.join(runtime, 'dist', 'engine', 'step-gate.js')).href);

const args = { threads: '2', streams: '4', tokens: '48', rounds: '6', contextSize: '4096' };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = process.argv[i + 1];
if (args.model === undefined) throw new Error('missing --model');
const [threads, streams, tokens, rounds, contextSize] = ['threads', 'streams', 'tokens', 'rounds', 'contextSize'].map((name) => Number(args[name]));

const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: args.model, useMmap: false });

const variants = [
  { name: '1 sequence (LLM_PARALLEL=1)', sequences: 1, gated: false, flashAttention: false },
  { name: `${streams} sequences, no gate`, sequences: streams, gated: false, flashAttention: false },
  { name: `${streams} sequences, step gate (LLM_PARALLEL=${streams})`, sequences: streams, gated: true, flashAttention: false },
  { name: `${streams} sequences, step gate, flash attention`, sequences: streams, gated: true, flashAttention: true },
];
const contexts = [];
for (const variant of variants) {
  contexts.push(await model.createContext({
    contextSize, sequences: variant.sequences, flashAttention: variant.flashAttention, threads: { ideal: threads, min: threads },
  }));
}

const WORDS = 'once upon a time there was a model that would think about any question a user could have and the people of the world would come to it'.split(' ');
let promptIndex = 0;
/** A fresh ~130-token prompt each time, so no run reuses another's cached tokens. */
const nextPrompt = () => {
  const shift = promptIndex++ % WORDS.length;
  return model.tokenize(Array.from({ length: 5 }, () => [...WORDS.slice(shift), ...WORDS.slice(0, shift)].join(' ')).join(' '));
};

for (let round = 0; round < rounds; round++) {
  for (let k = 0; k < variants.length; k++) {
    const index = (k + round) % variants.length;
    const variant = variants[index];
    const sequence = contexts[index].getSequence();
    if (variant.gated) new StepGate().install(sequence, sequence.sequenceId);
    let generated = 0;
    let firstAt = 0;
    // Greedy; the first token comes with the prompt's evaluation, so decode speed is timed from it.
    for await (const _token of sequence.evaluate(nextPrompt(), { temperature: 0 })) {
      if (generated++ === 0) firstAt = performance.now();
      if (generated >= tokens) break;
    }
    const decodeTokensPerSecond = ((generated - 1) * 1000) / (performance.now() - firstAt);
    sequence.dispose();
    process.stdout.write(`${JSON.stringify({ variant: variant.name, sequences: variant.sequences, gated: variant.gated, flashAttention: variant.flashAttention, round, decodeTokensPerSecond })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
for (const context of contexts) await context.dispose();
await model.dispose();
await llama.dispose();
