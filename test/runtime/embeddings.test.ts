/**
 * POST /v1/embeddings on generated embedding models: the vectors are node-llama-cpp's own `getEmbeddingFor`
 * (unit length), in input order, in both encodings, cut by `dimensions`, from text or token ids; each refusal names
 * its field; embedding models refuse the generation routes and generation models refuse embeddings unless
 * LLM_EMBEDDINGS=true.
 */
import { runNodeLlama } from '../gguf';
import { ServerHandle, startServer } from './harness';
import { call, post } from './http-client';
import { embeddingModel, meanPoolingModel, tinyModel } from './models';
import { decodeBase64, maxDifference, norm, normalize } from './vectors';

const lastPooling = embeddingModel();
const meanPooling = meanPoolingModel();
const generation = tinyModel();
const CONTEXT = 1024;
/** float32 against double: the server's vectors are float32, node-llama-cpp's doubles of the same floats. */
const TOLERANCE = 1e-6;

const TEXTS = ['hello world', 'the answer is forty two', 'Once upon a time', 'please explain the first answer', 'thanks'];
/** One-token words: longer than the 512-token batch of a last-pooling model, shorter than its context. */
const LONG_TEXT = Array.from({ length: 700 }, (_, index) => ['hello', 'world', 'time', 'story'][index % 4]).join(' ');

const servers: Record<'last' | 'mean' | 'generation' | 'generationEmbeds', ServerHandle | undefined> = {
  last: undefined, mean: undefined, generation: undefined, generationEmbeds: undefined,
};

beforeAll(async () => {
  const start = (modelPath: string, env: Record<string, string> = {}) =>
    startServer({ env: { LLM_MODEL_PATH: modelPath, LLM_CONTEXT_SIZE: String(CONTEXT), ...env } });
  [servers.last, servers.mean, servers.generation, servers.generationEmbeds] = await Promise.all([
    start(lastPooling.path, { LLM_THREADS: '2' }),
    start(meanPooling.path),
    start(generation.path),
    start(generation.path, { LLM_EMBEDDINGS: 'true', LLM_EMBEDDINGS_TRUNCATE: 'true' }),
  ]);
});

afterAll(async () => {
  for (const server of Object.values(servers)) if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

const embed = (server: keyof typeof servers, body: Record<string, unknown>) => post(servers[server]!.url, '/v1/embeddings', body);

/** node-llama-cpp's vectors for these inputs, normalized, with each input's length (BOS/EOS included). */
function reference(modelPath: string, inputs: ReadonlyArray<string | readonly number[]>, batchSize = CONTEXT) {
  const [result] = runNodeLlama({ modelPath, contextSize: CONTEXT, checks: [{ op: 'embed', inputs, batchSize }] });
  return { vectors: (result.vectors as number[][]).map(normalize), lengths: result.lengths as number[], dimensions: result.dimensions as number };
}

function expectClose(actual: readonly number[], expected: readonly number[]): void {
  expect(actual).toHaveLength(expected.length);
  expect(maxDifference(actual, expected)).toBeLessThan(TOLERANCE);
}

describe('the vectors are node-llama-cpp\'s own', () => {
  test('a batch: getEmbeddingFor\'s vectors at unit length, data[i].index in input order, usage counting BOS and EOS', async () => {
    const expected = reference(lastPooling.path, TEXTS);
    const res = await embed('last', { input: TEXTS, model: 'anything' });
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({ object: 'list', model: expect.any(String) });
    expect(res.json.data.map((item: any) => [item.object, item.index])).toEqual(TEXTS.map((_, index) => ['embedding', index]));
    res.json.data.forEach((item: any, index: number) => {
      expectClose(item.embedding, expected.vectors[index]);
      expect(Math.abs(norm(item.embedding) - 1)).toBeLessThan(1e-6);
    });
    const tokens = expected.lengths.reduce((sum, length) => sum + length, 0);
    expect(res.json.usage).toEqual({ prompt_tokens: tokens, total_tokens: tokens });
    // BOS and EOS both count: each input is longer than its words.
    expect(expected.lengths[0]).toBe(4);
  });

  test('the same vectors whatever the order and the batch: reversed, and one input at a time', async () => {
    const forward = await embed('last', { input: TEXTS });
    const backward = await embed('last', { input: [...TEXTS].reverse() });
    const single = await Promise.all(TEXTS.map((text) => embed('last', { input: text })));
    TEXTS.forEach((_, index) => {
      expectClose(backward.json.data[TEXTS.length - 1 - index].embedding, forward.json.data[index].embedding);
      expect(single[index].json.data).toHaveLength(1);
      expectClose(single[index].json.data[0].embedding, forward.json.data[index].embedding);
    });
  });

  test('last pooling: an input longer than the 512-token batch, evaluated in two decodes, gives the whole-input vector', async () => {
    const expected = reference(lastPooling.path, [LONG_TEXT]);
    expect(expected.lengths[0]).toBeGreaterThan(512);
    const res = await embed('last', { input: LONG_TEXT });
    expect(res.status).toBe(200);
    expectClose(res.json.data[0].embedding, expected.vectors[0]);
  });

  test('mean pooling: a long input is evaluated in one batch (node-llama-cpp\'s default batch of 512 would average only its tail)', async () => {
    const whole = reference(meanPooling.path, [LONG_TEXT, 'hello world']);
    const split = reference(meanPooling.path, [LONG_TEXT], 512);
    const res = await embed('mean', { input: [LONG_TEXT, 'hello world'] });
    expect(res.status).toBe(200);
    expectClose(res.json.data[0].embedding, whole.vectors[0]);
    expectClose(res.json.data[1].embedding, whole.vectors[1]);
    expect(maxDifference(split.vectors[0], whole.vectors[0])).toBeGreaterThan(1e-3);
  });

  test('a generation model with LLM_EMBEDDINGS=true: getEmbeddingFor on the same weights (the last token\'s hidden state)', async () => {
    const expected = reference(generation.path, TEXTS.slice(0, 2));
    const res = await embed('generationEmbeds', { input: TEXTS.slice(0, 2) });
    expect(res.status).toBe(200);
    res.json.data.forEach((item: any, index: number) => expectClose(item.embedding, expected.vectors[index]));
    // The weights still generate.
    const chat = await post(servers.generationEmbeds!.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], max_tokens: 3 });
    expect(chat.json.usage.completion_tokens).toBe(3);
  });
});

describe('encodings, dimensions and token ids', () => {
  test('base64 is the little-endian float32 of the float answer', async () => {
    const float = await embed('last', { input: TEXTS.slice(0, 3), encoding_format: 'float' });
    const base64 = await embed('last', { input: TEXTS.slice(0, 3), encoding_format: 'base64' });
    expect(base64.status).toBe(200);
    base64.json.data.forEach((item: any, index: number) => {
      expect(typeof item.embedding).toBe('string');
      // Exactly: the float answer prints each float32 with the fewest digits that read back as the same float32.
      expect(decodeBase64(item.embedding)).toEqual(float.json.data[index].embedding.map(Math.fround));
    });
  });

  test('dimensions keeps the first n components and renormalizes them', async () => {
    const full = await embed('last', { input: 'hello world' });
    const cut = await embed('last', { input: 'hello world', dimensions: 16 });
    expect(cut.status).toBe(200);
    expectClose(cut.json.data[0].embedding, normalize(full.json.data[0].embedding.slice(0, 16)));
    expect(Math.abs(norm(cut.json.data[0].embedding) - 1)).toBeLessThan(1e-6);
    const all = full.json.data[0].embedding.length;
    expect((await embed('last', { input: 'hello world', dimensions: all })).status).toBe(200);
    const over = await embed('last', { input: 'hello world', dimensions: all + 1 });
    expect(over.status).toBe(400);
    expect(over.json.error).toMatchObject({ param: 'dimensions', code: 'invalid_value' });
    expect(over.json.error.message).toContain(`have ${all} dimensions`);
  });

  test('token ids: one array and an array of arrays give the vectors of the text they spell', async () => {
    const [{ tokens: hello }, { tokens: answer }] = runNodeLlama({
      modelPath: lastPooling.path, checks: [{ op: 'tokenize', text: TEXTS[0] }, { op: 'tokenize', text: TEXTS[1] }],
    });
    const text = await embed('last', { input: TEXTS.slice(0, 2) });
    const one = await embed('last', { input: hello });
    const many = await embed('last', { input: [hello, answer] });
    expect(one.status).toBe(200);
    expectClose(one.json.data[0].embedding, text.json.data[0].embedding);
    expectClose(many.json.data[1].embedding, text.json.data[1].embedding);
    expect(many.json.usage).toEqual(text.json.usage);
  });
});

describe('refusals name the field', () => {
  test.each([
    ['no input', {}, 'input', 'missing_required_parameter'],
    ['an empty string', { input: '' }, 'input', 'invalid_value'],
    ['an empty list', { input: [] }, 'input', 'invalid_value'],
    ['an empty string in a list', { input: ['a', ''] }, 'input[1]', 'invalid_value'],
    ['a number among strings', { input: ['a', 3] }, 'input[1]', 'invalid_type'],
    ['a string among token ids', { input: [1, 'a'] }, 'input[1]', 'invalid_type'],
    ['a negative token id', { input: [[1, 2], [3, -4]] }, 'input[1][1]', 'invalid_type'],
    ['an empty token list', { input: [[1], []] }, 'input[1]', 'invalid_value'],
    ['an object', { input: { text: 'a' } }, 'input', 'invalid_type'],
    ['more than 2048 inputs', { input: Array.from({ length: 2049 }, () => 'a') }, 'input', 'invalid_value'],
    ['an unknown encoding', { input: 'a', encoding_format: 'int8' }, 'encoding_format', 'invalid_value'],
    ['zero dimensions', { input: 'a', dimensions: 0 }, 'dimensions', 'invalid_value'],
    ['a fractional dimension count', { input: 'a', dimensions: 1.5 }, 'dimensions', 'invalid_type'],
    ['truncate as a string', { input: 'a', truncate: 'yes' }, 'truncate', 'invalid_type'],
  ])('%s', async (_name, body, param, code) => {
    const res = await embed('last', body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  test('a token id outside the vocabulary names its place and the range', async () => {
    const res = await embed('last', { input: [[1, 2], [3, 99_999_999]] });
    expect(res.status).toBe(400);
    expect(res.json.error.param).toBe('input[1][1]');
    expect(res.json.error.message).toMatch(/token ids go from 0 to \d+/);
  });

  test('an input longer than the context: a 400 naming it, unless truncation is asked for', async () => {
    const tooLong = Array.from({ length: CONTEXT + 50 }, () => 'hello').join(' ');
    const refused = await embed('last', { input: ['hello', tooLong] });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatchObject({ param: 'input[1]', code: 'context_length_exceeded' });
    expect(refused.json.error.message).toContain(`at most ${CONTEXT - 1} tokens`);
    expect((await embed('last', { input: tooLong })).json.error.param).toBe('input');

    const cut = await embed('last', { input: ['hello', tooLong], truncate: true });
    expect(cut.status).toBe(200);
    const [{ tokens }] = runNodeLlama({ modelPath: lastPooling.path, checks: [{ op: 'tokenize', text: tooLong }] });
    // BOS + the kept tokens + EOS fill the context but its last slot.
    const kept = (tokens as number[]).slice(0, CONTEXT - 3);
    expectClose(cut.json.data[1].embedding, (await embed('last', { input: [kept] })).json.data[0].embedding);
    expect(cut.json.usage.prompt_tokens).toBe(3 + (CONTEXT - 1));
  });

  test('LLM_EMBEDDINGS_TRUNCATE=true truncates by default; "truncate": false in the request still refuses', async () => {
    const tooLong = Array.from({ length: CONTEXT + 50 }, () => 'hello').join(' ');
    expect((await embed('generationEmbeds', { input: tooLong })).status).toBe(200);
    const refused = await embed('generationEmbeds', { input: tooLong, truncate: false });
    expect(refused.json.error).toMatchObject({ param: 'input', code: 'context_length_exceeded' });
  });
});

describe('which model answers what', () => {
  test.each([
    ['/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }] }],
    ['/v1/completions', { prompt: 'Hi' }],
    ['/v1/responses', { input: 'Hi' }],
    ['/', { prompt: 'Hi' }],
  ])('an embedding model refuses %s with a 400 that says so', async (path, body) => {
    const res = await post(servers.last!.url, path, body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'model', code: 'model_not_supported' });
    expect(res.json.error.message).toMatch(/is an embedding model: it answers POST \/v1\/embeddings only/);
  });

  test('a generation model refuses /v1/embeddings unless LLM_EMBEDDINGS=true, and says how to switch it on', async () => {
    const res = await embed('generation', { input: 'hello' });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'model', code: 'model_not_supported' });
    expect(res.json.error.message).toContain('LLM_EMBEDDINGS=true');
  });

  test('/v1/models says which routes answer: capabilities', async () => {
    const capabilities = async (server: keyof typeof servers) => (await call(servers[server]!.url, '/v1/models')).json.data[0].capabilities;
    expect(await capabilities('last')).toEqual(['embeddings']);
    expect(await capabilities('generation')).toEqual(['generation']);
    expect(await capabilities('generationEmbeds')).toEqual(['generation', 'embeddings']);
  });

  test('the start-up log names the kind, the pooling and the embedding contexts', () => {
    const loaded = servers.last!.logs.find((line) => line.event === 'model_loaded');
    expect(loaded).toMatchObject({ kind: 'embedding', pooling: 'last', embeddingContexts: 2, embeddingContextSize: CONTEXT, embeddingBatchSize: 512 });
    expect(servers.mean!.logs.find((line) => line.event === 'model_loaded')).toMatchObject({ pooling: 'mean', embeddingBatchSize: CONTEXT });
    expect(servers.generation!.logs.find((line) => line.event === 'model_loaded')).toMatchObject({ kind: 'generation' });
  });
});
