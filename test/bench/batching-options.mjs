// node-llama-cpp's batching options, measured with the runtime's step gate (runtime/dist/engine/step-gate.js):
// for each variant, a context of N sequences; per round, in rotating order, N streams at once (aggregate decode)
// and a request with a long prompt joining N-1 running streams (its time to first token, and the longest wait
// it causes between the running streams' tokens). All variants' contexts share one loaded model.
//
// usage: node batching-options.mjs --model FILE [--threads 2] [--streams 4] [--tokens 32] [--rounds 3] [--long-prompt-words 900]
// stdout: one JSON line per variant and round, then {"done": true}
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const runtime = path.join(here, '..', '..', 'runtime');
const { getLlama, LlamaCompletion, LlamaLogLevel } = await import(pathToFileURL(path.join(runtime, 'node_modules', 'node-llama-cpp', 'dist', 'index.js')).href);
const { StepGate } = await import(pathToFileURL(path.join(runtime, 'dist', 'engine', 'step-gate.js')).href);

const args = { threads: '2', streams: '4', tokens: '32', rounds: '3', longPromptWords: '900' };
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '').replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = process.argv[i + 1];
if (args.model === undefined) throw new Error('missing --model');
const [threads, streams, tokens, rounds, longPromptWords] = ['threads', 'streams', 'tokens', 'rounds', 'longPromptWords'].map((name) => Number(args[name]));

/** The server's choice first; the others are what it was measured against. */
const VARIANTS = [
  { name: 'batchSize 512, maximumParallelism (node-llama-cpp\'s defaults)', batchSize: 512 },
  { name: 'batchSize 128', batchSize: 128 },
  { name: 'itemPrioritizationStrategy firstInFirstOut', batchSize: 512, itemPrioritizationStrategy: 'firstInFirstOut' },
  { name: 'flashAttention', batchSize: 512, flashAttention: true },
];

const WORDS = ('once upon a time there was a model that would think about any question a user could have and the people of the world would come ' +
  'to it with a new question day after day so the model would take the question and think about it well and then write an answer').split(' ');
let promptIndex = 0;
const nextPrompt = (words = WORDS.length) => {
  const shift = (promptIndex++ * 7) % WORDS.length;
  return Array.from({ length: words }, (_, i) => WORDS[(shift + i) % WORDS.length]).join(' ');
};

const llama = await getLlama({ gpu: false, build: 'never', maxThreads: threads, logLevel: LlamaLogLevel.warn });
const model = await llama.loadModel({ modelPath: args.model, useMmap: false });

const setups = [];
for (const variant of VARIANTS) {
  const context = await model.createContext({
    contextSize: 2048, sequences: streams, threads: { ideal: threads, min: threads }, batchSize: variant.batchSize,
    flashAttention: variant.flashAttention ?? false,
    batching: { itemPrioritizationStrategy: variant.itemPrioritizationStrategy ?? 'maximumParallelism' },
  });
  const sequences = Array.from({ length: streams }, () => context.getSequence());
  const gate = new StepGate();
  for (const [id, sequence] of sequences.entries()) gate.install(sequence, id);
  setups.push({ variant, sequences, completions: sequences.map((sequence) => new LlamaCompletion({ contextSequence: sequence })) });
}

/** One generation on sequence `index`: times of its tokens, from its start. */
async function generate(setup, index, maxTokens, prompt, onToken) {
  await setup.sequences[index].clearHistory();
  const started = performance.now();
  const times = [];
  await setup.completions[index].generateCompletion(prompt, {
    maxTokens, temperature: 0, onToken: (chunk) => { for (const _ of chunk) { times.push(performance.now()); onToken?.(times.length); } },
  });
  return { started, times };
}

const rate = ({ times }) => (times.length - 1) / ((times.at(-1) - times[0]) / 1000);
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

for (const setup of setups) await generate(setup, 0, 4, nextPrompt());
for (let round = 0; round < rounds; round++) {
  for (let turn = 0; turn < setups.length; turn++) {
    const setup = setups[(turn + round) % setups.length];
    const together = await Promise.all(setup.sequences.map((_, index) => generate(setup, index, tokens, nextPrompt())));
    const aggregate = together.reduce((sum, run) => sum + rate(run), 0);

    let ready = 0;
    let allReady;
    const steady = new Promise((resolve) => { allReady = resolve; });
    const running = Array.from({ length: streams - 1 }, (_, index) =>
      generate(setup, index, tokens * 8, nextPrompt(), (count) => { if (count === 8 && ++ready === streams - 1) allReady(); }));
    await steady;
    const joiner = await generate(setup, streams - 1, 8, nextPrompt(longPromptWords));
    const joinedAt = joiner.started;
    const firstAt = joiner.times[0];
    const gapsBefore = [];
    let longestGap = 0;
    for (const { times } of await Promise.all(running)) {
      for (let i = 1; i < times.length; i++) {
        if (times[i] <= joinedAt) gapsBefore.push(times[i] - times[i - 1]);
        else if (times[i - 1] <= firstAt) longestGap = Math.max(longestGap, times[i] - times[i - 1]);
      }
    }
    process.stdout.write(`${JSON.stringify({
      variant: setup.variant.name, round, aggregateDecodeTokensPerSecond: aggregate,
      joinPromptWords: longPromptWords, joinerTtftMs: firstAt - joinedAt, runningLongestGapMs: longestGap, runningUsualGapMs: median(gapsBefore),
    })}\n`);
  }
}
process.stdout.write(`${JSON.stringify({ done: true })}\n`);
