/**
 * OpenAI tool calling, driven by the unmodified `openai` package against the real server on a scripted
 * model that writes DeepSeek-R1's function-call syntax: a buffered call, a streamed call reassembled by the
 * SDK's stream helper, and a full runTools round trip (call, the tool's result, the final answer).
 */
import * as path from 'node:path';
import OpenAI from 'openai';
import { ServerHandle, startServer } from './harness';
import { post, stream } from './http-client';
import { noToolsTemplateModel, toolModel, WEATHER_CALL } from './models';

const model = toolModel();
const MODEL_ID = path.basename(model.path, '.gguf');
const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
// get_time first: the grammar alone would pick it, so get_weather is the model's own choice.
const TOOLS = [
  { type: 'function' as const, function: { name: 'get_time', description: 'The time in a city', parameters: PARAMETERS } },
  { type: 'function' as const, function: { name: 'get_weather', description: 'The weather in a city', parameters: PARAMETERS } },
];
const QUESTION = [{ role: 'user' as const, content: 'What is the weather in Paris?' }];
let server: ServerHandle;
let client: OpenAI;

beforeAll(async () => {
  server = await startServer({ env: { LLM_MODEL_PATH: model.path } });
  client = new OpenAI({ baseURL: `${server.url}/v1`, apiKey: 'unused', maxRetries: 0 });
});

afterAll(async () => {
  if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

test('buffered: message.tool_calls with an id, the name and the arguments; content null; finish_reason tool_calls', async () => {
  const completion = await client.chat.completions.create({ model: MODEL_ID, messages: QUESTION, tools: TOOLS, temperature: 0 });
  const choice = completion.choices[0];
  expect(choice.finish_reason).toBe('tool_calls');
  expect(choice.message.content).toBeNull();
  expect((choice.message as unknown as { reasoning_content: string }).reasoning_content).toBe(model.reasoning);
  expect(choice.message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/), type: 'function', function: WEATHER_CALL }]);
});

test('streamed: OpenAI\'s delta.tool_calls chunks, reassembled exactly by the SDK\'s stream helper', async () => {
  const runner = client.chat.completions.stream({ model: MODEL_ID, messages: QUESTION, tools: TOOLS, temperature: 0 });
  const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
  runner.on('chunk', (chunk) => chunks.push(chunk));
  const final = await runner.finalChatCompletion();
  expect(final.choices[0].finish_reason).toBe('tool_calls');
  expect(final.choices[0].message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: WEATHER_CALL }]);
  // The first piece of the call carries index, id, type and name; the later ones only argument text.
  const pieces = chunks.flatMap((chunk) => chunk.choices[0]?.delta.tool_calls ?? []);
  expect(pieces[0]).toEqual({ index: 0, id: final.choices[0].message.tool_calls![0].id, type: 'function', function: { name: 'get_weather', arguments: '' } });
  expect(pieces.slice(1).every((piece) => piece.id === undefined && piece.function?.name === undefined)).toBe(true);
  expect(pieces.map((piece) => piece.function?.arguments ?? '').join('')).toBe(WEATHER_CALL.arguments);
  expect(chunks[chunks.length - 1].choices[0].finish_reason).toBe('tool_calls');
});

test('runTools: call, the tool\'s result, then the final answer (arguments reach the tool exactly)', async () => {
  const received: unknown[] = [];
  const runner = client.chat.completions.runTools({
    model: MODEL_ID,
    messages: QUESTION,
    temperature: 0,
    tools: [{
      type: 'function',
      function: {
        name: 'get_weather',
        description: 'The weather in a city',
        parameters: PARAMETERS,
        parse: JSON.parse,
        function: (args: { city: string }) => {
          received.push(args);
          return { city: args.city, sky: 'sunny', celsius: 21 };
        },
      },
    }],
  });
  expect(await runner.finalContent()).toBe(model.answer);
  expect(received).toEqual([{ city: 'Paris' }]);
  const messages = runner.messages;
  expect(messages.map((message) => message.role)).toEqual(['user', 'assistant', 'tool', 'assistant']);
});

test('streamed runTools works the same', async () => {
  const runner = client.chat.completions.runTools({
    model: MODEL_ID,
    messages: QUESTION,
    temperature: 0,
    stream: true,
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: PARAMETERS, parse: JSON.parse, function: () => 'sunny' } }],
  });
  expect(await runner.finalContent()).toBe(model.answer);
});

test('tool_choice "required" and a named function force a call from the first token (no reasoning)', async () => {
  for (const choice of ['required', { type: 'function', function: { name: 'get_weather' } }] as const) {
    const completion = await client.chat.completions.create({
      model: MODEL_ID, messages: QUESTION, tools: TOOLS, tool_choice: choice, temperature: 0,
    });
    expect(completion.choices[0].finish_reason).toBe('tool_calls');
    expect(completion.choices[0].message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: WEATHER_CALL }]);
    expect((completion.choices[0].message as unknown as { reasoning_content?: string }).reasoning_content).toBeUndefined();
  }
});

test('a call cut by max_tokens before its arguments end is not reported as a call', async () => {
  // <think>, 5 reasoning tokens, </think>, the call prefix, the name, the arguments: the blank lines that end
  // them would be token 11.
  const res = await post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, temperature: 0, max_tokens: 10 });
  expect(res.status).toBe(200);
  expect(res.json.choices[0].finish_reason).toBe('length');
  expect(res.json.choices[0].message.tool_calls).toBeUndefined();
});

test('tool_choice "none": no function is offered, the model answers in text', async () => {
  const res = await post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, tool_choice: 'none', temperature: 0, max_tokens: 50 });
  expect(res.status).toBe(200);
  expect(res.json.choices[0].finish_reason).toBe('stop');
  expect(res.json.choices[0].message.tool_calls).toBeUndefined();
  expect(typeof res.json.choices[0].message.content).toBe('string');
});

test('a conversation with calls and results renders through the template; text parts in a tool message', async () => {
  const res = await post(server.url, '/v1/chat/completions', {
    temperature: 0,
    tools: TOOLS,
    messages: [
      ...QUESTION,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: WEATHER_CALL }] },
      { role: 'tool', tool_call_id: 'call_1', content: [{ type: 'text', text: '{"sky": "sunny"}' }] },
    ],
  });
  expect(res.status).toBe(200);
  expect(res.json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: model.answer } });
});

describe('tool results are paired with their calls by position', () => {
  const turn = (id: string, city: string, result: string) => [
    { role: 'assistant', content: null, tool_calls: [{ id, type: 'function', function: { name: 'get_weather', arguments: JSON.stringify({ city }) } }] },
    { role: 'tool', tool_call_id: id, content: result },
  ];
  const promptTokens = async (messages: unknown[]): Promise<number> => {
    const res = await post(server.url, '/v1/chat/completions', { messages, tools: TOOLS, temperature: 0, max_tokens: 1 });
    expect(res.status).toBe(200);
    return res.json.usage.prompt_tokens;
  };
  const conversation = (firstId: string, secondId: string, firstResult: string) => [
    ...QUESTION, ...turn(firstId, 'Paris', firstResult),
    { role: 'user', content: 'And in Rome?' }, ...turn(secondId, 'Rome', '{"sky": "rain"}'),
  ];

  test('a call id reused in a later turn renders each call with its own result (as distinct ids do)', async () => {
    const short = '{"sky": "sunny"}';
    const long = '{"sky": "sunny", "wind": "strong", "humidity": "high", "pressure": "low"}';
    // Distinct ids are the reference: the first result's length shows in the prompt.
    const distinctShort = await promptTokens(conversation('call_1', 'call_2', short));
    const distinctLong = await promptTokens(conversation('call_1', 'call_2', long));
    expect(distinctLong).toBeGreaterThan(distinctShort);
    // Clients that number calls per turn send call_1 twice: the same prompt, token for token.
    expect(await promptTokens(conversation('call_1', 'call_1', short))).toBe(distinctShort);
    expect(await promptTokens(conversation('call_1', 'call_1', long))).toBe(distinctLong);
  });

  test.each([
    ['two calls of one turn with the same id', [...QUESTION, {
      role: 'assistant',
      content: null,
      tool_calls: [
        { id: 'call_1', type: 'function', function: WEATHER_CALL }, { id: 'call_1', type: 'function', function: WEATHER_CALL },
      ],
    }, { role: 'tool', tool_call_id: 'call_1', content: '1' }], 'messages[1].tool_calls[1].id', /messages\[1\]\.tool_calls\[0\]\.id/],
    ['a result answered twice', [...QUESTION, ...turn('call_1', 'Paris', '1'), { role: 'tool', tool_call_id: 'call_1', content: '2' }],
      'messages[3].tool_call_id', /messages\[2\]\.tool_call_id/],
    ['a result after a user message, away from its call', [...QUESTION, turn('call_1', 'Paris', '1')[0], { role: 'user', content: 'well?' },
      { role: 'tool', tool_call_id: 'call_1', content: '1' }], 'messages[1].tool_calls[0].id', /no tool result/],
  ])('%s: 400 naming both places', async (_name, messages, param, mentions) => {
    const res = await post(server.url, '/v1/chat/completions', { messages, tools: TOOLS });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param, code: 'invalid_value' });
    expect(res.json.error.message).toMatch(mentions);
  });
});

describe('refusals name the field', () => {
  const ask = (extra: Record<string, unknown>) => post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, ...extra });

  test.each([
    ['tool_choice names a function not in tools', { tool_choice: { type: 'function', function: { name: 'nope' } } }, 'tool_choice.function.name', 'invalid_value'],
    ['a tool message answers no earlier call', { messages: [...QUESTION, { role: 'tool', tool_call_id: 'call_x', content: '1' }] }, 'messages[1].tool_call_id', 'invalid_value'],
    ['a call without its result', { messages: [...QUESTION, { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: WEATHER_CALL }] }] },
      'messages[1].tool_calls[0].id', 'invalid_value'],
    ['arguments that are not JSON', { messages: [...QUESTION, { role: 'assistant', tool_calls: [{ id: 'c', type: 'function', function: { name: 'get_weather', arguments: '{city' } }] }, { role: 'tool', tool_call_id: 'c', content: 'x' }] },
      'messages[1].tool_calls[0].function.arguments', 'invalid_value'],
    ['a schema the grammar cannot enforce', { tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object', properties: { a: { $ref: '#/$defs/x' } } } } }] },
      'tools[0].function.parameters.properties.a.$ref', 'invalid_json_schema'],
    ['a function name with spaces', { tools: [{ type: 'function', function: { name: 'get weather' } }] }, 'tools[0].function.name', 'invalid_value'],
    ['a tool of another type', { tools: [{ type: 'retrieval' }] }, 'tools[0].type', 'invalid_value'],
    ['tools with response_format', { response_format: { type: 'json_object' } }, 'response_format', 'unsupported_parameter'],
    ['"required" without tools', { tools: [], tool_choice: 'required' }, 'tool_choice', 'invalid_value'],
    ['the legacy functions field', { functions: [{ name: 'f' }] }, 'functions', 'unsupported_parameter'],
  ])('%s', async (_name, extra, param, code) => {
    const res = await ask(extra);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });
});

describe('a model whose chat wrapper has no function-call syntax', () => {
  let plain: ServerHandle;
  beforeAll(async () => {
    plain = await startServer({ env: { LLM_MODEL_PATH: noToolsTemplateModel().path } });
  });
  afterAll(async () => {
    if (plain !== undefined) expect((await plain.stop()).code).toBe(0);
  });

  test('tools are refused as unsupported_parameter, naming the wrapper; tool_choice none still answers', async () => {
    const res = await post(plain.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'tools', code: 'unsupported_parameter' });
    expect(res.json.error.message).toContain('JinjaTemplate');
    const none = await stream(plain.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, tool_choice: 'none', max_tokens: 3, stream: true });
    expect(none.status).toBe(200);
    expect(none.done).toBe(true);
  });
});
