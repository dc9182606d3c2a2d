/**
 * The end of the context. node-llama-cpp inserts tokens of its own near it (the `</think>` that closes a reasoning
 * budget, a function call's prefix, name and parameter prefix when it re-renders a call) and, left alone, shifts the
 * history to make room: a 500 ("Failed to compress chat history") or an answer continued on a truncated prompt.
 * With every room from 1 to 24 tokens, each answer must end `length` (or complete), streamed ones with their
 * finish chunk, and the log must show the prompt was never re-evaluated.
 */
import { ServerHandle, startServer } from './harness';
import { post, stream } from './http-client';
import { scriptedModel, toolModel } from './models';

const CONTEXT = 512;
const ROOMS = Array.from({ length: 24 }, (_, index) => index + 1);
/** What a request with a cached prompt may evaluate: its last prompt token and the tokens node-llama-cpp inserts. */
const MAX_INSERTED_TOKENS = 16;

/** A user message whose chat prompt is exactly `tokens` long on this scripted model (" the" is one token). */
function promptOf(model: ReturnType<typeof scriptedModel>, tokens: number): { role: 'user'; content: string } {
  const base = model.chatPromptTokens([{ role: 'user', content: 'the' }]);
  if (model.tokenize(' the the').length !== 2 || tokens < base) throw new Error('the scripted vocabulary changed: " the" is no longer one token');
  return { role: 'user', content: 'the' + ' the'.repeat(tokens - base) };
}

async function expectNeverShifted(server: ServerHandle, ...responses: Array<{ headers: Record<string, unknown> }>): Promise<void> {
  for (const res of responses) {
    const line = await server.requestLog(String(res.headers['x-request-id']));
    expect(line.status).toBe(200);
    // A shifted history is re-rendered and evaluated again from where it changed: hundreds of tokens here. A cached
    // prompt costs its last token, plus what node-llama-cpp inserts itself (a call's prefix, name and parameter prefix).
    expect(line.promptTokensEvaluated).toBeLessThanOrEqual(MAX_INSERTED_TOKENS);
  }
  expect(server.logs.filter((line) => line.event === 'generation_failed')).toEqual([]);
}

describe('reasoning budget near the end of the context', () => {
  const model = scriptedModel();
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: String(CONTEXT) } });
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test.each(ROOMS)('%i tokens of room, max_reasoning_tokens 1: 200, and "length" unless it all fits', async (room) => {
    const messages = [promptOf(model, CONTEXT - 1 - room)];
    // Evaluate the prompt once, so the guarded request below finds it cached and any shift shows in the log.
    await post(server.url, '/v1/chat/completions', { messages, max_tokens: 1, temperature: 0 });
    const res = await post(server.url, '/v1/chat/completions', { messages, max_reasoning_tokens: 1, temperature: 0 });
    expect(res.status).toBe(200);
    const choice = res.json.choices[0];
    expect(['length', 'stop']).toContain(choice.finish_reason);
    expect(res.json.usage.prompt_tokens + res.json.usage.completion_tokens).toBeLessThan(CONTEXT);
    if (choice.finish_reason === 'stop') expect(choice.message.content).toBe(model.answer);
    else expect(model.answer.startsWith(choice.message.content)).toBe(true);
    const streamed = await stream(server.url, '/v1/chat/completions', { messages, max_reasoning_tokens: 1, temperature: 0, stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.done).toBe(true);
    expect(streamed.events.at(-1).choices[0].finish_reason).toBe(choice.finish_reason);
    await expectNeverShifted(server, res, streamed);
  });
});

describe('a forced tool call near the end of the context', () => {
  const model = toolModel();
  // The functions' documentation alone takes ~700 tokens of this vocabulary.
  const CONTEXT_WITH_TOOLS = 2048;
  const TOOLS = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: String(CONTEXT_WITH_TOOLS) } });
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test.each(ROOMS)('%i tokens of room, tool_choice required: 200 with the call, or "length" and no call', async (room) => {
    // The prompt with the functions' documentation is what must leave `room` free.
    const probe = await post(server.url, '/v1/chat/completions', {
      messages: [promptOf(model, 100)], tools: TOOLS, max_tokens: 1, temperature: 0,
    });
    if (probe.status !== 200) throw new Error(`probe: ${probe.status} ${probe.text}`);
    const overhead = probe.json.usage.prompt_tokens - 100;
    const messages = [promptOf(model, CONTEXT_WITH_TOOLS - 1 - room - overhead)];
    const body = { messages, tools: TOOLS, tool_choice: 'required', temperature: 0 };
    const res = await post(server.url, '/v1/chat/completions', body);
    expect(res.status).toBe(200);
    const choice = res.json.choices[0];
    if (choice.finish_reason === 'tool_calls') {
      expect(choice.message.tool_calls).toHaveLength(1);
      expect(JSON.parse(choice.message.tool_calls[0].function.arguments)).toEqual({ city: 'Paris' });
    } else {
      expect(choice.finish_reason).toBe('length');
      expect(choice.message.tool_calls).toBeUndefined();
    }
    const streamed = await stream(server.url, '/v1/chat/completions', { ...body, stream: true });
    expect(streamed.status).toBe(200);
    expect(streamed.done).toBe(true);
    expect(streamed.events.at(-1).choices[0].finish_reason).toBe(choice.finish_reason);
    await expectNeverShifted(server, streamed);
  });
});
