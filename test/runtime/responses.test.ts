/**
 * POST /v1/responses over raw HTTP, on the scripted models: the Response object, the streamed semantic events in
 * their exact order, incomplete answers, the deadline and disconnects on the shared generation path, and the
 * refusals of what a stateless server cannot do. The SDKs' view of the same route is in test/clients.
 */
import { LogLine, ServerHandle, startServer } from './harness';
import { post, stream } from './http-client';
import { endlessModel, jsonModel, scriptedModel, toolModel, WEATHER_CALL, WEATHER_JSON } from './models';

const model = scriptedModel();
const KEY = 'sk-responses-test';
const AUTH = { authorization: `Bearer ${KEY}` };
const MARGIN_MS = 1500;
let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_API_KEY: KEY, LLM_TRUST_LAMBDA_CONTEXT: 'true' } });
});

afterAll(async () => {
  if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

const ask = (body: Record<string, unknown>, headers: Record<string, string> = {}) =>
  post(server.url, '/v1/responses', { model: 'anything', temperature: 0, ...body }, { ...AUTH, ...headers });

/** The named events of a Responses stream: `event:` and the `type` of its data must agree. */
function eventsOf(raw: string): any[] {
  return raw.split('\n\n').filter((block) => block.trim() !== '').map((block) => {
    const name = /^event: (.+)$/m.exec(block)?.[1];
    const data = JSON.parse(/^data: (.+)$/m.exec(block)![1]);
    expect(data.type).toBe(name);
    return data;
  });
}

describe('buffered', () => {
  test('the Response object: reasoning item, message item, output_text the answer alone, usage, store false', async () => {
    const res = await ask({ input: 'Hello there', instructions: 'Be brief.', metadata: { ticket: 'T-1' }, store: true });
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body).toMatchObject({
      id: expect.stringMatching(/^resp_[0-9a-f]{48}$/),
      object: 'response',
      status: 'completed',
      error: null,
      incomplete_details: null,
      instructions: 'Be brief.',
      metadata: { ticket: 'T-1' },
      store: false,
      previous_response_id: null,
      output_text: model.answer,
    });
    expect(body.output).toEqual([
      { type: 'reasoning', id: expect.stringMatching(/^rs_/), summary: [], content: [{ type: 'reasoning_text', text: model.reasoning }], status: 'completed' },
      {
        type: 'message',
        id: expect.stringMatching(/^msg_/),
        role: 'assistant',
        status: 'completed',
        content: [{ type: 'output_text', text: model.answer, annotations: [], logprobs: [] }],
      },
    ]);
    const promptTokens = model.chatPromptTokens([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello there' }]);
    expect(body.usage).toEqual({
      input_tokens: promptTokens,
      input_tokens_details: { cached_tokens: expect.any(Number) },
      output_tokens: model.chatCompletionTokens,
      output_tokens_details: { reasoning_tokens: model.reasoningTokens.length },
      total_tokens: promptTokens + model.chatCompletionTokens,
    });
  });

  test('the same prompt again: its tokens are reported as cached (prefix reuse)', async () => {
    const first = await ask({ input: 'A prompt never sent before' });
    expect(first.json.usage.input_tokens_details.cached_tokens).toBeLessThan(first.json.usage.input_tokens / 2);
    const second = await ask({ input: 'A prompt never sent before' });
    expect(second.json.usage.input_tokens).toBe(first.json.usage.input_tokens);
    // All but the last token, which is evaluated again to sample the first answer token.
    expect(second.json.usage.input_tokens_details.cached_tokens).toBe(second.json.usage.input_tokens - 1);
  });

  test('max_output_tokens cuts the answer: status incomplete, reason max_output_tokens, the cut item incomplete', async () => {
    const res = await ask({ input: 'Hello', max_output_tokens: 3 });
    expect(res.json).toMatchObject({ status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' }, max_output_tokens: 3 });
    expect(res.json.output.at(-1).status).toBe('incomplete');
    expect(res.json.usage.output_tokens).toBe(3);
  });

  test('input items: messages with text parts, developer as system, a reasoning item passed back and referenced', async () => {
    const res = await ask({
      input: [
        { role: 'developer', content: [{ type: 'input_text', text: 'Be brief.' }] },
        { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hello' }] },
        { type: 'reasoning', id: 'rs_earlier', summary: [], content: [{ type: 'reasoning_text', text: 'old thoughts' }] },
        { type: 'item_reference', id: 'rs_older' },
        { role: 'assistant', content: [{ type: 'output_text', text: 'Hi.', annotations: [] }] },
        { role: 'user', content: 'And now?' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.output_text).toBe(model.answer);
    // Reasoning passed back is not part of the prompt (the template drops earlier reasoning).
    expect(res.json.usage.input_tokens).toBe(model.chatPromptTokens([
      { role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello' }, { role: 'assistant', content: 'Hi.' }, { role: 'user', content: 'And now?' },
    ]));
  });
});

describe('streamed', () => {
  test('the semantic events in order, numbered from 0, each named by its type; no [DONE]', async () => {
    const res = await stream(server.url, '/v1/responses', { input: 'Hello', temperature: 0, stream: true }, { headers: AUTH });
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.raw).not.toContain('[DONE]');
    const events = eventsOf(res.raw);
    expect(events.map((event) => event.sequence_number)).toEqual(events.map((_, index) => index));
    const reasoningDeltas = model.reasoningTokens.length;
    const types = events.map((event) => event.type);
    expect(types).toEqual([
      'response.created', 'response.in_progress',
      'response.output_item.added', 'response.content_part.added', ...Array(reasoningDeltas).fill('response.reasoning_text.delta'),
      'response.reasoning_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.output_item.added', 'response.content_part.added', ...Array(model.answerTokens.length).fill('response.output_text.delta'),
      'response.output_text.done', 'response.content_part.done', 'response.output_item.done',
      'response.completed',
    ]);
    const text = events.filter((event) => event.type === 'response.output_text.delta').map((event) => event.delta).join('');
    expect(text).toBe(model.answer);
    const completed = events.at(-1).response;
    expect(completed).toMatchObject({ status: 'completed', output_text: model.answer });
    // Every event of an item names it by the id the item was added with, and its index in the output.
    const messageId = completed.output[1].id;
    for (const event of events.filter((each) => each.item_id === messageId)) expect(event.output_index).toBe(1);
    expect(events[0].response).toMatchObject({ id: completed.id, status: 'in_progress', output: [] });
  });

  test('the deadline cuts a streamed answer: response.incomplete with reason "deadline", the log says so', async () => {
    const endless = await startServer({ env: { LLM_MODEL_PATH: endlessModel().path, LLM_TRUST_LAMBDA_CONTEXT: 'true', LLM_CONTEXT_SIZE: '16384', LLM_MAX_TOKENS: '15000' } });
    try {
      const requestId = 'responses-deadline-1';
      const context = JSON.stringify({ request_id: requestId, deadline: Date.now() + MARGIN_MS + 400 });
      const res = await stream(endless.url, '/v1/responses', { input: 'Go on', temperature: 0, stream: true }, { headers: { 'x-amzn-lambda-context': context } });
      const last = eventsOf(res.raw).at(-1);
      expect(last.type).toBe('response.incomplete');
      expect(last.response.incomplete_details).toEqual({ reason: 'deadline' });
      expect(last.response.output.at(-1).status).toBe('incomplete');
      const line = await endless.requestLog(requestId);
      expect(line).toMatchObject({ route: '/v1/responses', status: 200, stoppedBy: 'deadline', finishReason: 'length' });
    } finally {
      await endless.stop();
    }
  });

  test('a client that leaves mid-stream frees the model at once (499 in the log), and the next request is served', async () => {
    const res = await stream(server.url, '/v1/responses', { input: 'Hello', temperature: 0, stream: true },
      { headers: AUTH, onEvent: (_event, index) => (index >= 4 ? 'disconnect' : undefined) });
    expect(res.status).toBe(200);
    const line: LogLine = await server.waitForLog((each) => each.event === 'request' && each.route === '/v1/responses' && each.status === 499);
    expect(line.stoppedBy).toBe('disconnect');
    expect((await ask({ input: 'Hello' })).json.output_text).toBe(model.answer);
  });
});

describe('on the shared generation path', () => {
  test('the bearer key is required like on every API route', async () => {
    const res = await post(server.url, '/v1/responses', { input: 'Hello' });
    expect(res.status).toBe(401);
    expect(res.json.error.code).toBe('invalid_api_key');
  });

  test('one request log line with the generation metrics (EMF)', async () => {
    const res = await ask({ input: 'Log me' });
    const line = await server.requestLog(String(res.headers['x-request-id']));
    expect(line).toMatchObject({ route: '/v1/responses', method: 'POST', status: 200, finishReason: 'stop', CompletionTokens: model.chatCompletionTokens });
    expect(line._aws.CloudWatchMetrics[0].Metrics.map((metric: { Name: string }) => metric.Name)).toContain('TokensPerSecond');
    expect(line.prompt).toBeUndefined();
  });

  test('an input beyond the context: 400 context_length_exceeded naming input', async () => {
    const res = await ask({ input: 'word '.repeat(40_000) });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'context_length_exceeded', param: 'input' });
  });
});

describe('refusals name the field', () => {
  test.each([
    ['previous_response_id', { input: 'x', previous_response_id: 'resp_1' }, 'previous_response_id', 'unsupported_parameter'],
    ['conversation', { input: 'x', conversation: 'conv_1' }, 'conversation', 'unsupported_parameter'],
    ['background mode', { input: 'x', background: true }, 'background', 'unsupported_parameter'],
    ['a reference to a stored message', { input: [{ role: 'user', content: 'x' }, { type: 'item_reference', id: 'msg_1' }] }, 'input[1].id', 'unsupported_parameter'],
    ['an image part', { input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'https://example.com/a.png' }] }] }, 'input[0].content[0].type', 'unsupported_parameter'],
    ['a hosted tool', { input: 'x', tools: [{ type: 'web_search' }] }, 'tools[0].type', 'unsupported_parameter'],
    ['reasoning.effort', { input: 'x', reasoning: { effort: 'high' } }, 'reasoning.effort', 'unsupported_parameter'],
    ['an include this server cannot add', { input: 'x', include: ['message.output_text.logprobs'] }, 'include[0]', 'unsupported_parameter'],
    ['no input', {}, 'input', 'missing_required_parameter'],
    ['an empty input list', { input: [] }, 'input', 'invalid_value'],
    ['a tool output that answers no call', { input: [{ role: 'user', content: 'x' }, { type: 'function_call_output', call_id: 'call_9', output: '1' }] },
      'input[1].call_id', 'invalid_value'],
    ['a function call without its output', { input: [{ role: 'user', content: 'x' }, { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' }] },
      'input[1].call_id', 'invalid_value'],
    ['an unknown item type', { input: [{ type: 'computer_call', id: 'x' }] }, 'input[0].type', 'unsupported_parameter'],
    ['text.format with tools', { input: 'x', text: { format: { type: 'json_object' } }, tools: [{ type: 'function', name: 'f' }] }, 'text.format', 'unsupported_parameter'],
    ['a json_schema format without schema', { input: 'x', text: { format: { type: 'json_schema', name: 'n' } } }, 'text.format.schema', 'missing_required_parameter'],
    ['more than 16 metadata keys', { input: 'x', metadata: Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v'])) }, 'metadata', 'invalid_value'],
  ])('%s', async (_name, body, param, code) => {
    const res = await ask(body);
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ type: 'invalid_request_error', param, code });
  });

  test('harmless fields are accepted: store, truncation, service_tier, prompt_cache_key, text.verbosity, reasoning.summary, include of encrypted reasoning', async () => {
    const res = await ask({
      input: 'Hello',
      store: false,
      truncation: 'auto',
      service_tier: 'auto',
      prompt_cache_key: 'k',
      safety_identifier: 's',
      text: { verbosity: 'low' },
      reasoning: { summary: 'auto' },
      include: ['reasoning.encrypted_content'],
      user: 'u-1',
    });
    expect(res.status).toBe(200);
    expect(res.json.output_text).toBe(model.answer);
  });
});

describe('tools and structured output', () => {
  let tools: ServerHandle;
  let json: ServerHandle;
  beforeAll(async () => {
    const start = (modelPath: string) => startServer({ env: { LLM_MODEL_PATH: modelPath } });
    [tools, json] = await Promise.all([start(toolModel().path), start(jsonModel().path)]);
  });
  afterAll(async () => {
    await Promise.all([tools, json].filter((each) => each !== undefined).map((each) => each.stop()));
  });
  const TOOL = { type: 'function', name: 'get_weather', description: 'The weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } };

  test('a function_call item; streamed, its arguments arrive as deltas that add up to them', async () => {
    const body = { input: 'What is the weather in Paris?', temperature: 0, tools: [TOOL], tool_choice: 'required' };
    const buffered = await post(tools.url, '/v1/responses', body);
    expect(buffered.json.output).toEqual([
      { type: 'function_call', id: expect.stringMatching(/^fc_/), call_id: expect.stringMatching(/^call_/), ...WEATHER_CALL, status: 'completed' },
    ]);
    expect(buffered.json.tool_choice).toBe('required');
    const streamed = eventsOf((await stream(tools.url, '/v1/responses', { ...body, stream: true })).raw);
    const args = streamed.filter((event) => event.type === 'response.function_call_arguments.delta').map((event) => event.delta).join('');
    expect(args).toBe(WEATHER_CALL.arguments);
    expect(streamed.find((event) => event.type === 'response.function_call_arguments.done')).toMatchObject({ arguments: WEATHER_CALL.arguments, name: 'get_weather' });
  });

  test('a named tool_choice in the flat shape', async () => {
    const res = await post(tools.url, '/v1/responses', { input: 'Weather?', temperature: 0, tools: [TOOL], tool_choice: { type: 'function', name: 'get_weather' } });
    expect(res.json.output[0]).toMatchObject({ type: 'function_call', ...WEATHER_CALL });
    expect(res.json.tool_choice).toEqual({ type: 'function', name: 'get_weather' });
  });

  test('text.format json_schema: the answer is the JSON the schema asks for', async () => {
    const properties = { city: { type: 'string' }, celsius: { type: 'integer' }, sunny: { type: 'boolean' } };
    const schema = { type: 'object', properties, required: ['city', 'celsius', 'sunny'] };
    const res = await post(json.url, '/v1/responses', { input: 'Weather?', temperature: 0, text: { format: { type: 'json_schema', name: 'weather', schema, strict: true } } });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.json.output_text)).toEqual(WEATHER_JSON);
    expect(res.json.text.format).toMatchObject({ type: 'json_schema', schema });
  });
});
