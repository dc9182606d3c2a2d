/**
 * The official `openai` npm package, unmodified, as the client: what users will actually run against
 * the Function URL. Also checks LLM_LOG_PROMPTS=true, the one setting that puts text in the logs.
 */
import * as path from 'node:path';
import OpenAI from 'openai';
import { ServerHandle, startServer } from './harness';
import { scriptedModel } from './models';

const model = scriptedModel();
const MODEL_ID = path.basename(model.path, '.gguf');
const KEY = 'sk-openai-client-test';
let server: ServerHandle;
let client: OpenAI;

beforeAll(async () => {
  server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_API_KEY: KEY, LLM_LOG_PROMPTS: 'true' } });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: KEY, maxRetries: 0 });
});

afterAll(async () => {
  if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

test('chat.completions.create', async () => {
  const completion = await client.chat.completions.create({
    model: MODEL_ID,
    messages: [{ role: 'system', content: 'Be helpful.' }, { role: 'user', content: 'What is the answer?' }],
    temperature: 0,
  });
  expect(completion.object).toBe('chat.completion');
  expect(completion.model).toBe(MODEL_ID);
  expect(completion.choices[0].message.content).toBe(model.answer);
  expect((completion.choices[0].message as unknown as { reasoning_content: string }).reasoning_content).toBe(model.reasoning);
  expect(completion.choices[0].finish_reason).toBe('stop');
  expect(completion.usage?.completion_tokens).toBe(model.chatCompletionTokens);
});

test('chat.completions.create with stream: true and include_usage', async () => {
  const chunks = await client.chat.completions.create({
    model: MODEL_ID,
    messages: [{ role: 'user', content: 'What is the answer?' }],
    temperature: 0,
    stream: true,
    stream_options: { include_usage: true },
  });
  let content = '';
  let reasoning = '';
  let finish: string | null = null;
  let usage: OpenAI.CompletionUsage | null | undefined;
  for await (const chunk of chunks) {
    const choice = chunk.choices[0];
    if (choice !== undefined) {
      content += choice.delta.content ?? '';
      reasoning += (choice.delta as { reasoning_content?: string }).reasoning_content ?? '';
      finish = choice.finish_reason ?? finish;
    }
    if (chunk.usage) usage = chunk.usage;
  }
  expect(content).toBe(model.answer);
  expect(reasoning).toBe(model.reasoning);
  expect(finish).toBe('stop');
  expect(usage?.completion_tokens).toBe(model.chatCompletionTokens);
});

test('the SDK streaming helper (chat.completions.stream) assembles the same message', async () => {
  const runner = client.chat.completions.stream({ model: MODEL_ID, messages: [{ role: 'user', content: 'Again?' }], temperature: 0 });
  const final = await runner.finalChatCompletion();
  expect(final.choices[0].message.content).toBe(model.answer);
});

test('models.list and models.retrieve', async () => {
  const ids: string[] = [];
  for await (const entry of client.models.list()) ids.push(entry.id);
  expect(ids).toEqual([MODEL_ID]);
  const one = await client.models.retrieve(MODEL_ID);
  expect(one).toMatchObject({ id: MODEL_ID, object: 'model', owned_by: 'llm-function-url' });
});

test('completions.create', async () => {
  const completion = await client.completions.create({ model: MODEL_ID, prompt: 'Tell me', temperature: 0, max_tokens: 3 });
  expect(completion.choices[0].text).toBe(model.expectedCompletion('Tell me', 3).text);
  expect(completion.choices[0].finish_reason).toBe('length');
});

test('errors map onto the SDK error classes', async () => {
  const wrongKey = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'sk-wrong', maxRetries: 0 });
  await expect(wrongKey.models.list()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
  const badRequest = client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'x' }], temperature: 5 });
  await expect(badRequest).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  await expect(badRequest).rejects.toMatchObject({ status: 400, param: 'temperature', code: 'invalid_value' });
});

test('LLM_LOG_PROMPTS=true logs the prompt and the answer with the request', async () => {
  const res = await client.chat.completions.create({ model: MODEL_ID, messages: [{ role: 'user', content: 'log me please' }], temperature: 0 }).withResponse();
  const line = await server.requestLog(res.response.headers.get('x-request-id')!);
  expect(line.prompt).toEqual([{ role: 'user', content: 'log me please' }]);
  expect(line.response).toBe(model.answer);
  expect(line.reasoning).toBe(model.reasoning);
});
