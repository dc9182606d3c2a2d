// Drives real node-llama-cpp (ESM-only, installed in runtime/) on a generated GGUF for the CommonJS
// jest tests: reads a JSON job from argv[2], prints one line "RESULT <json>" on stdout.
// getLlama must run from a real file (its binary self-test re-runs process.execArgv), hence this file.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, '..', '..', 'runtime', 'node_modules', 'node-llama-cpp', 'dist', 'index.js');
const { getLlama, LlamaChat, LlamaCompletion, resolveChatWrapper } = await import(pathToFileURL(entry).href);

const job = JSON.parse(process.argv[2]);
const llama = await getLlama({ gpu: false, build: 'never', logLevel: process.env.VERIFY_LOG_LEVEL ?? 'error' });
const model = await llama.loadModel({ modelPath: job.modelPath });
const context = await model.createContext({ contextSize: job.contextSize ?? 2048, threads: job.threads ?? 1 });
const sequence = context.getSequence();
const results = [];

function toHistory(messages) {
  const history = messages.map((m) =>
    m.role === 'system'
      ? { type: 'system', text: m.content }
      : m.role === 'user'
        ? { type: 'user', text: m.content }
        : { type: 'model', response: [m.content] },
  );
  history.push({ type: 'model', response: [] });
  return history;
}

for (const check of job.checks) {
  await sequence.clearHistory();
  const before = sequence.tokenMeter.getState();
  const started = performance.now();
  if (check.op === 'chat') {
    const chatWrapper = resolveChatWrapper(model);
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper, autoDisposeSequence: false });
    let streamedThought = '';
    let streamedResponse = '';
    const res = await chat.generateResponse(toHistory(check.messages), {
      maxTokens: check.maxTokens,
      temperature: check.temperature ?? 0,
      seed: check.seed,
      repeatPenalty: check.repeatPenalty,
      budgets: check.thoughtTokens === undefined ? undefined : { thoughtTokens: check.thoughtTokens },
      onResponseChunk: (chunk) => {
        if (chunk.type === 'segment' && chunk.segmentType === 'thought') streamedThought += chunk.text;
        else if (chunk.type !== 'segment') streamedResponse += chunk.text;
      },
    });
    const thought = res.fullResponse
      .filter((r) => typeof r !== 'string' && r.segmentType === 'thought')
      .map((r) => r.text)
      .join('');
    const meter = sequence.tokenMeter.diff(before);
    chat.dispose({ disposeSequence: false });
    results.push({
      op: 'chat',
      wrapper: chatWrapper.wrapperName,
      wrapperClass: chatWrapper.constructor.name,
      response: res.response,
      thought,
      streamedThought,
      streamedResponse,
      stopReason: res.metadata.stopReason,
      inputTokens: meter.usedInputTokens,
      outputTokens: meter.usedOutputTokens,
      ms: performance.now() - started,
    });
  } else if (check.op === 'completion') {
    const completion = new LlamaCompletion({ contextSequence: sequence });
    const res = await completion.generateCompletionWithMeta(check.prompt, {
      maxTokens: check.maxTokens,
      temperature: check.temperature ?? 0,
      seed: check.seed,
      repeatPenalty: check.repeatPenalty,
    });
    const meter = sequence.tokenMeter.diff(before);
    completion.dispose({ disposeSequence: false });
    results.push({
      op: 'completion',
      text: res.response,
      stopReason: res.metadata.stopReason,
      inputTokens: meter.usedInputTokens,
      outputTokens: meter.usedOutputTokens,
      ms: performance.now() - started,
    });
  } else if (check.op === 'chatPrompt') {
    const chatWrapper = resolveChatWrapper(model);
    const history = toHistory(check.messages);
    const { contextText } = chatWrapper.generateContextState({ chatHistory: history });
    const tokens = contextText.tokenize(model.tokenizer);
    results.push({ op: 'chatPrompt', tokens: Array.from(tokens), text: contextText.toString() });
  } else if (check.op === 'tokenize') {
    results.push({ op: 'tokenize', tokens: Array.from(model.tokenize(check.text, check.special ?? false)) });
  } else if (check.op === 'embed') {
    // node-llama-cpp's own embedding: one embedding context, one getEmbeddingFor per input (raw, not normalized).
    const embedding = await model.createEmbeddingContext({
      contextSize: check.contextSize ?? job.contextSize ?? 2048,
      batchSize: check.batchSize,
      threads: job.threads ?? 1,
    });
    const vectors = [];
    const lengths = [];
    for (const input of check.inputs) {
      lengths.push(embedding.calculateInputLength(input));
      vectors.push(Array.from((await embedding.getEmbeddingFor(input)).vector));
    }
    await embedding.dispose();
    results.push({ op: 'embed', vectors, lengths, dimensions: model.embeddingVectorSize });
  } else if (check.op === 'info') {
    results.push({
      op: 'info',
      trainContextSize: model.trainContextSize,
      vocabularySize: model.fileInsights?.vocabularySize ?? null,
      eos: model.tokens.eos,
      bos: model.tokens.bos,
      eosString: model.tokens.eosString,
      wrapper: resolveChatWrapper(model).wrapperName,
    });
  } else {
    throw new Error(`unknown op ${check.op}`);
  }
}
console.log(`RESULT ${JSON.stringify(results)}`);
await context.dispose();
await model.dispose();
await llama.dispose();
