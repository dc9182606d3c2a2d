import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  DEEPSEEK_R1_DISTILL_QWEN_1_5B_SHAPE,
  DEEPSEEK_R1_DISTILL_QWEN_1_5B_VOCAB_SIZE,
  EOS,
  GgmlType,
  GgufWriter,
  ensureModel,
  ggufHeaderOnlyBytes,
  planDeepSeekR1ShapedModel,
  planScriptedModel,
  writeDeepSeekR1ShapedModel,
  writeGgufHeaderOnly,
} from './gguf';
import { fromByteLevel, toByteLevel } from './gguf/byte-unicode';
import { decodeValues, encodeValues, fromFloat16Bits, toFloat16Bits } from './gguf/ggml-types';
import { parseGgufHeader } from './gguf/gguf-reader';
import { validateLlamaCppMetadata } from './gguf/metadata-check';
import { runNodeLlama } from './gguf/run-node-llama';
import { fromValues } from './gguf/tensor-data';
import { buildVocabulary } from './gguf/vocabulary';

const REASONING = '\nThe user greets me, so a friendly reply fits.\n';
const ANSWER = '\n\nHello there! How can I help you today? Hello again!';

let tmp: string;
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'gguf-test-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('encoding pieces', () => {
  test('byte-level text round-trips any string', () => {
    const text = 'héllo wörld\n\t 😀 <think>';
    expect(toByteLevel(' a')).toBe('Ġa');
    expect(toByteLevel('\n')).toBe('Ċ');
    expect(fromByteLevel(toByteLevel(text))).toBe(text);
  });

  test('float16 conversion rounds to nearest', () => {
    for (const v of [0, 1, -2.5, 0.1, 65504, 1e-7]) {
      expect(Math.abs(fromFloat16Bits(toFloat16Bits(v)) - v)).toBeLessThanOrEqual(Math.abs(v) * 1e-3 + 6e-8);
    }
    expect(fromFloat16Bits(toFloat16Bits(1e6))).toBe(Infinity);
  });

  test.each([
    ['Q8_0', GgmlType.Q8_0],
    ['Q4_0', GgmlType.Q4_0],
  ])('quantizer %s keeps values within one step', (_name, type) => {
    const values = new Float32Array(64).map((_, i) => Math.sin(i) * 0.5);
    const back = decodeValues(type, encodeValues(type, values), values.length);
    const step = type === GgmlType.Q8_0 ? 0.5 / 127 : 0.5 / 8;
    values.forEach((v, i) => expect(Math.abs(back[i] - v)).toBeLessThanOrEqual(step));
  });

  test('quantized rows must be whole blocks', () => {
    expect(() => new GgufWriter().addTensor({ name: 'x', dims: [30, 2], type: GgmlType.Q8_0, data: () => [] })).toThrow(/multiple of 32/);
  });
});

describe('GGUF writer', () => {
  test('writes a header, key/values and 32-byte aligned tensors that read back', () => {
    const file = path.join(tmp, 'plain.gguf');
    const a = new Float32Array([1, 2, 3]);
    const b = new Float32Array(32).fill(0.25);
    const layout = new GgufWriter()
      .set('general.architecture', { type: 'string', value: 'none' })
      .set('n', { type: 'u32', value: 7 })
      .set('list', { type: 'string[]', value: ['x', 'y'] })
      .addTensor({ name: 'a', dims: [3], type: GgmlType.F32, data: fromValues(GgmlType.F32, a) })
      .addTensor({ name: 'b', dims: [32], type: GgmlType.Q8_0, data: fromValues(GgmlType.Q8_0, b) })
      .write(file);
    const buf = fs.readFileSync(file);
    const parsed = parseGgufHeader(buf);
    expect(parsed.version).toBe(3);
    expect(parsed.kv.get('n')).toBe(7);
    expect(parsed.kv.get('list')).toEqual(['x', 'y']);
    expect(parsed.tensors.map((t) => [t.name, t.offset, t.type])).toEqual([
      ['a', 0, GgmlType.F32],
      ['b', 32, GgmlType.Q8_0],
    ]);
    expect(parsed.dataOffset % 32).toBe(0);
    expect(parsed.dataOffset).toBe(layout.dataOffset);
    expect(buf.length).toBe(layout.totalBytes);
    expect(buf.readFloatLE(parsed.dataOffset + 8)).toBe(3);
    expect(decodeValues(GgmlType.Q8_0, buf.subarray(parsed.dataOffset + 32), 32)[31]).toBeCloseTo(0.25, 3);
  });

  test('a tensor generator giving the wrong byte count fails and leaves no file', () => {
    const file = path.join(tmp, 'bad.gguf');
    const w = new GgufWriter().addTensor({ name: 'a', dims: [4], type: GgmlType.F32, data: () => [Buffer.alloc(12)] });
    expect(() => w.write(file)).toThrow(/expected 16/);
    expect(fs.readdirSync(tmp).filter((f) => f.startsWith('bad.gguf'))).toEqual([]);
  });

  test('refuses metadata that would abort llama.cpp', () => {
    const w = new GgufWriter().set('general.architecture', { type: 'string', value: 'qwen2' });
    expect(() => w.write(path.join(tmp, 'x.gguf'), validateLlamaCppMetadata)).toThrow(
      /missing required key qwen2.context_length/,
    );
  });

  test('header-only files: checked keys by default, explicit opt-out, trailing bytes after the padded header', () => {
    const keys = {
      'general.architecture': { type: 'string', value: 'qwen2' },
      'qwen2.context_length': { type: 'u32', value: 256 },
      'qwen2.embedding_length': { type: 'u32', value: 64 },
      'qwen2.block_count': { type: 'u32', value: 1 },
      'qwen2.feed_forward_length': { type: 'u32', value: 128 },
      'qwen2.attention.head_count': { type: 'u32', value: 4 },
      'qwen2.attention.head_count_kv': { type: 'u32[]', value: [2] },
      'qwen2.attention.layer_norm_rms_epsilon': { type: 'f32', value: 1e-6 },
      'tokenizer.ggml.model': { type: 'string', value: 'gpt2' },
      'tokenizer.ggml.tokens': { type: 'string[]', value: ['a', 'b', 'ab'] },
      'tokenizer.ggml.merges': { type: 'string[]', value: ['a b'] },
    } as const;
    const file = writeGgufHeaderOnly(path.join(tmp, 'header-only', 'h.gguf'), keys, { trailingBytes: Buffer.from('tail') });
    const buf = fs.readFileSync(file);
    const parsed = parseGgufHeader(buf);
    expect(parsed.tensors).toEqual([]);
    expect([...parsed.kv.keys()]).toEqual(Object.keys(keys));
    expect(parsed.kv.get('qwen2.attention.head_count_kv')).toEqual([2]);
    expect(buf.length).toBe(parsed.dataOffset + 4);
    expect(buf.subarray(parsed.dataOffset).toString()).toBe('tail');

    const { 'qwen2.feed_forward_length': _dropped, ...missingKey } = keys;
    expect(() => ggufHeaderOnlyBytes(missingKey)).toThrow(/missing required key qwen2.feed_forward_length/);
    expect(parseGgufHeader(ggufHeaderOnlyBytes(missingKey, { skipMetadataCheck: true })).kv.has('qwen2.feed_forward_length')).toBe(false);
  });
});

describe('vocabulary', () => {
  const vocab = buildVocabulary({ words: [' scripted', ' words.'] });

  test('common and listed words are single tokens; special tokens have DeepSeek types', () => {
    expect(vocab.encoder.encode(' hello')).toHaveLength(1);
    expect(vocab.encoder.encode(' scripted')).toHaveLength(1);
    expect(vocab.types[vocab.eosId]).toBe(3);
    expect(vocab.types[vocab.assistantId]).toBe(3);
    expect(vocab.types[vocab.thinkId]).toBe(4);
    expect(vocab.textOf(vocab.eosId)).toBe(EOS);
  });

  test('can be padded to the real size with special tokens at their real ids', () => {
    const big = buildVocabulary({ size: DEEPSEEK_R1_DISTILL_QWEN_1_5B_VOCAB_SIZE });
    expect(big.tokens).toHaveLength(151936);
    expect([big.eosId, big.userId, big.assistantId, big.bosId, big.thinkId, big.thinkEndId]).toEqual([
      151643, 151644, 151645, 151646, 151648, 151649,
    ]);
    expect(new Set(big.tokens).size).toBe(big.tokens.length);
  });
});

describe('scripted model plan', () => {
  test('a repeated word is emitted as an unused split of the same text', () => {
    const plan = planScriptedModel({ reasoning: 'the cat', answer: ' the cat the' });
    expect(plan.reasoningTokens).toEqual(['the', ' cat']);
    expect(plan.answerTokens.join('')).toBe(' the cat the');
    expect(new Set(plan.chatTokens).size).toBe(plan.chatTokens.length);
    expect(plan.chatCompletionTokens).toBe(plan.chatTokens.length);
  });

  test('a word repeated beyond every split is refused with a clear error', () => {
    expect(() => planScriptedModel({ reasoning: 'a\n', answer: 'b\nc\n' })).toThrow(/"\\n" repeats too often/);
  });

  test('special tokens inside the script are refused', () => {
    expect(() => planScriptedModel({ reasoning: 'x</think>', answer: 'y' })).toThrow(/special token/);
  });
});

describe('with real node-llama-cpp 3.21.1', () => {
  test('scripted model: DeepSeek wrapper, exact thought and answer, exact token counts', () => {
    const model = ensureModel('scripted', { reasoning: REASONING, answer: ANSWER });
    const prompts = ['Once upon a time', 'Please repeat: the user greets me, so a friendly', 'Hello there! How'];
    const single = [{ role: 'user' as const, content: 'Hi!' }];
    const multi = [
      { role: 'system' as const, content: 'Be brief.' },
      { role: 'user' as const, content: 'First question <think>' },
      { role: 'assistant' as const, content: 'First answer' },
      { role: 'user' as const, content: 'Second question' },
    ];
    const results = runNodeLlama({
      modelPath: model.path,
      checks: [
        { op: 'info' },
        { op: 'chat', messages: single },
        { op: 'chat', messages: multi },
        { op: 'chat', messages: single, maxTokens: 4 },
        ...prompts.map((prompt) => ({ op: 'completion' as const, prompt })),
        ...prompts.map((text) => ({ op: 'tokenize' as const, text })),
        { op: 'chatPrompt', messages: single },
        { op: 'chatPrompt', messages: multi },
      ],
    });
    const [info, chat, multiTurn, truncated, ...rest] = results;
    expect(info.wrapper).toBe('DeepSeek');
    expect(info.eosString).toBe(EOS);
    for (const r of [chat, multiTurn]) {
      expect(r.wrapperClass).toBe('DeepSeekChatWrapper');
      expect(r.thought).toBe(REASONING);
      expect(r.response).toBe(ANSWER);
      expect(r.streamedThought).toBe(REASONING);
      expect(r.streamedResponse).toBe(ANSWER);
      expect(r.stopReason).toBe('eogToken');
      // the meter counts every sampled token: <think>, reasoning, </think>, answer, and the EOS
      expect(r.outputTokens).toBe(model.chatCompletionTokens + 1);
    }
    expect(truncated.stopReason).toBe('maxTokens');
    expect(truncated.outputTokens).toBe(4);
    expect(truncated.thought).toBe(model.chatTokens.slice(1, 4).join(''));
    expect(truncated.response).toBe('');

    const completions = rest.slice(0, prompts.length);
    const tokenized = rest.slice(prompts.length, 2 * prompts.length);
    const [singlePrompt, multiPrompt] = rest.slice(2 * prompts.length);
    expect(singlePrompt.tokens).toHaveLength(model.chatPromptTokens(single));
    expect(multiPrompt.tokens).toHaveLength(model.chatPromptTokens(multi));
    expect(chat.inputTokens).toBe(model.chatPromptTokens(single) - 1);
    expect(multiTurn.inputTokens).toBe(model.chatPromptTokens(multi) - 1);
    prompts.forEach((prompt, i) => {
      const expected = model.expectedCompletion(prompt);
      expect(completions[i].text).toBe(expected.text);
      expect(completions[i].stopReason).toBe('eogToken');
      expect(completions[i].outputTokens).toBe(expected.tokens + 1);
    });
    expect(completions[0].text).toBe(ANSWER);
    expect(completions[1].text).toBe(` reply fits.\n</think>${ANSWER}`);
    prompts.forEach((prompt, i) => expect(tokenized[i].tokens).toEqual(model.tokenize(prompt)));
    expect(model.tokenize('Hello there! How')).toHaveLength(4);
  });

  test('endless scripted model generates until max tokens', () => {
    const model = ensureModel('scripted', { reasoning: 'Thinking.', answer: ' one two three', endless: true });
    const [chat, completion] = runNodeLlama({
      modelPath: model.path,
      checks: [
        { op: 'chat', messages: [{ role: 'user', content: 'Count' }], maxTokens: 30 },
        { op: 'completion', prompt: 'Count', maxTokens: 10 },
      ],
    });
    expect(chat.stopReason).toBe('maxTokens');
    expect(chat.outputTokens).toBe(30);
    expect(chat.thought).toBe('Thinking.');
    expect(chat.response).toBe(' one two three'.repeat(9));
    expect(completion.stopReason).toBe('maxTokens');
    expect(completion.text).toBe(model.expectedCompletion('Count', 10).text);
    expect(completion.text).toBe(`${' one two three'.repeat(3)} one`);
  });

  test('scripted model stays on script under OpenAI-range sampling, and under a thought budget', () => {
    const model = ensureModel('scripted', { reasoning: '\nOne two three four five.\n', answer: '\n\nSix seven eight.', endless: true });
    const hot = { temperature: 2, seed: 7, repeatPenalty: { penalty: 1.5, frequencyPenalty: 2, presencePenalty: 2 } };
    const [sampled, sampledCompletion, budgeted] = runNodeLlama({
      modelPath: model.path,
      checks: [
        { op: 'chat', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 80, ...hot },
        { op: 'completion', prompt: 'Hi', maxTokens: 80, ...hot },
        { op: 'chat', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 12, thoughtTokens: 3 },
      ],
    });
    expect(sampled.thought).toBe(model.reasoning);
    expect(sampled.response).toBe(model.expectedCompletion('Hi', 80 - model.reasoningTokens.length - 2).text);
    expect(sampledCompletion.text).toBe(model.expectedCompletion('Hi', 80).text);
    // node-llama-cpp closes the thought after the budget by inserting </think>; the script's answer follows
    expect(budgeted.thought).toBe('\nOne two three');
    expect(budgeted.response.startsWith(model.answer)).toBe(true);
  });

  test('tiny random model loads, resolves the DeepSeek wrapper and generates N tokens', () => {
    const model = ensureModel('tiny');
    const [info, completion, chat] = runNodeLlama({
      modelPath: model.path,
      checks: [
        { op: 'info' },
        { op: 'completion', prompt: 'Tell me a story', maxTokens: 24 },
        { op: 'chat', messages: [{ role: 'user', content: 'Hi' }], maxTokens: 16 },
      ],
    });
    expect(info.wrapper).toBe('DeepSeek');
    expect(completion.stopReason).toBe('maxTokens');
    expect(completion.outputTokens).toBe(24);
    expect(chat.stopReason).toBe('maxTokens');
    expect(chat.outputTokens).toBe(16);
  });
});

describe('DeepSeek-R1-Distill-Qwen-1.5B shaped model', () => {
  test('layout matches the real model: tensor names, shapes, Q4_0, ~1.0 GB, aligned offsets', () => {
    const { header, layout } = planDeepSeekR1ShapedModel();
    const parsed = parseGgufHeader(header);
    expect(parsed.kv.get('general.architecture')).toBe('qwen2');
    expect(parsed.kv.get('qwen2.context_length')).toBe(131072);
    expect(parsed.kv.get('qwen2.block_count')).toBe(28);
    expect((parsed.kv.get('tokenizer.ggml.tokens') as string[]).length).toBe(151936);
    // token_embd, 12 per block, output_norm, output, and output.bias (keeps specials from being sampled)
    expect(parsed.tensors).toHaveLength(1 + 28 * 12 + 3);
    const byName = new Map(parsed.tensors.map((t) => [t.name, t]));
    expect(byName.get('token_embd.weight')?.dims).toEqual([1536, 151936]);
    expect(byName.get('output.weight')?.dims).toEqual([1536, 151936]);
    expect(byName.get('output.bias')?.dims).toEqual([151936]);
    expect(byName.get('blk.27.attn_k.weight')?.dims).toEqual([1536, 256]);
    expect(byName.get('blk.27.attn_k.bias')?.dims).toEqual([256]);
    expect(byName.get('blk.0.ffn_down.weight')?.dims).toEqual([8960, 1536]);
    expect(byName.get('blk.0.ffn_gate.weight')?.type).toBe(GgmlType.Q4_0);
    expect(byName.get('blk.0.attn_norm.weight')?.type).toBe(GgmlType.F32);
    expect(parsed.tensors.every((t) => t.offset % 32 === 0)).toBe(true);
    expect(parsed.dataOffset).toBe(layout.dataOffset);
    expect(layout.totalBytes).toBeGreaterThan(0.95e9);
    expect(layout.totalBytes).toBeLessThan(1.1e9);
  });

  test('the shaped builder writes a loadable model (reduced depth and width, full vocabulary)', () => {
    const file = path.join(tmp, 'shaped-small.gguf');
    const info = writeDeepSeekR1ShapedModel(file, {
      shape: { ...DEEPSEEK_R1_DISTILL_QWEN_1_5B_SHAPE, blockCount: 2, embeddingLength: 256, feedForwardLength: 512, headCount: 4, headCountKv: 2 },
    });
    expect(fs.statSync(file).size).toBe(info.layout.totalBytes);
    const [loaded, completion] = runNodeLlama({
      modelPath: file,
      checks: [{ op: 'info' }, { op: 'completion', prompt: 'Hello', maxTokens: 8 }],
    });
    expect(loaded.trainContextSize).toBe(131072);
    expect(loaded.wrapper).toBe('DeepSeek');
    expect(completion.outputTokens).toBeGreaterThan(0);
  });
});
