/**
 * Every generation route, buffered and streamed, against the real server on the scripted model, whose
 * greedy decoding answers any chat with a known reasoning and a known answer.
 */
import * as path from 'node:path';
import { LogLine, ServerHandle, startServer } from './harness';
import { call, post, stream } from './http-client';
import { scriptedModel } from './models';

const model = scriptedModel();
const MODEL_ID = path.basename(model.path, '.gguf');
const REASONING = model.reasoning;
const ANSWER = model.answer;
// <think>, the reasoning, </think>, the answer (EOS not billed).
const CHAT_TOKENS = model.chatCompletionTokens;
const REASONING_TOKENS = model.reasoningTokens.length;

let server: ServerHandle;

beforeAll(async () => {
  server = await startServer({
    env: {
      LLM_MODEL_PATH: model.path,
      AWS_LAMBDA_FUNCTION_NAME: 'runtime-test-function',
      LLM_METRICS_NAMESPACE: 'RuntimeTests',
      LLM_TRUST_LAMBDA_CONTEXT: 'true',
    },
  });
});

afterAll(async () => {
  if (server === undefined) return;
  const exit = await server.stop();
  expect(exit).toEqual({ code: 0, signal: null });
});

const USER = [{ role: 'user', content: 'Hello there' }];
const chat = (extra: Record<string, unknown> = {}, headers?: Record<string, string>) =>
  post(server.url, '/v1/chat/completions', { model: 'anything', messages: USER, temperature: 0, ...extra }, headers);
const chatStream = (extra: Record<string, unknown> = {}) =>
  stream(server.url, '/v1/chat/completions', { model: 'anything', messages: USER, temperature: 0, stream: true, ...extra });

const joinDeltas = (events: any[], field: string): string =>
  events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta[field] ?? '').join('');

/** What the first n sampled tokens of the scripted chat reply contain. */
function firstChatTokens(n: number): { reasoning: string; content: string } {
  const tokens = model.chatTokens.slice(0, n);
  const end = tokens.indexOf('</think>');
  const reasoning = tokens.slice(1, end < 0 ? undefined : end).join('');
  const content = end < 0 ? '' : tokens.slice(end + 1).join('');
  return { reasoning, content };
}

describe('POST /v1/chat/completions', () => {
  test('buffered: OpenAI shape, the reasoning apart from the answer, exact usage', async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await chat();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json;
    expect(Object.keys(body).sort()).toEqual(['choices', 'created', 'id', 'model', 'object', 'usage']);
    expect(body.id).toMatch(/^chatcmpl-[A-Za-z0-9]{29}$/);
    expect(body.object).toBe('chat.completion');
    expect(body.created).toBeGreaterThanOrEqual(before);
    expect(body.created).toBeLessThanOrEqual(Math.floor(Date.now() / 1000));
    expect(body.model).toBe(MODEL_ID);
    expect(body.choices).toEqual([{
      index: 0,
      message: { role: 'assistant', content: ANSWER, reasoning_content: REASONING, refusal: null },
      logprobs: null,
      finish_reason: 'stop',
    }]);
    expect(body.usage.completion_tokens).toBe(CHAT_TOKENS);
    expect(body.usage.completion_tokens_details).toEqual({ reasoning_tokens: REASONING_TOKENS });
    expect(body.usage.prompt_tokens).toBeGreaterThanOrEqual(3);
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + CHAT_TOKENS);
  });

  test('the first request of the process is logged as the cold start, later ones are not', async () => {
    const res = await chat();
    await server.requestLog(res.headers['x-request-id'] as string);
    const lines = server.requestLogs();
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(lines[0].coldStart).toBe(true);
    expect(lines.slice(1).every((line) => line.coldStart === false)).toBe(true);
  });

  test('streamed: role chunk first, reasoning_content and content deltas, finish chunk, [DONE]', async () => {
    const res = await chatStream();
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(res.headers['cache-control']).toBe('no-cache, no-transform');
    expect(res.headers['content-length']).toBeUndefined();
    expect(res.done).toBe(true);
    expect(res.raw.endsWith('data: [DONE]\n\n')).toBe(true);
    expect(res.raw.split('\n\n').filter(Boolean).every((block) => block.startsWith('data: '))).toBe(true);

    const [first, ...rest] = res.events;
    const last = rest[rest.length - 1];
    const id = first.id;
    expect(id).toMatch(/^chatcmpl-/);
    for (const event of res.events) {
      expect(event).toMatchObject({ id, object: 'chat.completion.chunk', model: MODEL_ID, created: first.created });
      expect(event.usage).toBeUndefined();
    }
    expect(first.choices).toEqual([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
    expect(last.choices).toEqual([{ index: 0, delta: {}, logprobs: null, finish_reason: 'stop' }]);
    const middle = rest.slice(0, -1);
    for (const event of middle) {
      const delta = event.choices[0].delta;
      expect(Object.keys(delta)).toHaveLength(1);
      expect(['content', 'reasoning_content']).toContain(Object.keys(delta)[0]);
      expect(event.choices[0].finish_reason).toBeNull();
    }
    // Reasoning comes first and never mixes into content.
    const kinds = middle.map((event) => Object.keys(event.choices[0].delta)[0]);
    expect(kinds).toEqual([...kinds].sort((a, b) => (a === 'reasoning_content' ? 0 : 1) - (b === 'reasoning_content' ? 0 : 1)));
    expect(joinDeltas(res.events, 'reasoning_content')).toBe(REASONING);
    expect(joinDeltas(res.events, 'content')).toBe(ANSWER);
  });

  test('streamed chunks concatenate to exactly the buffered answer, and usage matches', async () => {
    const buffered = (await chat({ max_tokens: 11 })).json;
    const streamed = await chatStream({ max_tokens: 11, stream_options: { include_usage: true } });
    expect(joinDeltas(streamed.events, 'content')).toBe(buffered.choices[0].message.content);
    expect(joinDeltas(streamed.events, 'reasoning_content')).toBe(buffered.choices[0].message.reasoning_content);
    // include_usage: every chunk carries usage: null, then one chunk with no choices carries the usage.
    const usageChunk = streamed.events[streamed.events.length - 1];
    expect(usageChunk.choices).toEqual([]);
    expect(usageChunk.usage).toEqual(buffered.usage);
    expect(streamed.events.slice(0, -1).every((event) => event.usage === null)).toBe(true);
    expect(streamed.events[streamed.events.length - 2].choices[0].finish_reason).toBe('length');
  });

  test.each([1, 2, 5, 8, 9, 12])('max_tokens %i stops after exactly that many tokens with finish_reason "length"', async (n) => {
    const expected = firstChatTokens(n);
    const res = await chat({ max_tokens: n });
    const choice = res.json.choices[0];
    expect(choice.finish_reason).toBe('length');
    expect(res.json.usage.completion_tokens).toBe(n);
    expect(choice.message.content).toBe(expected.content);
    expect(choice.message.reasoning_content ?? '').toBe(expected.reasoning);
  });

  test('max_completion_tokens works like max_tokens and wins over it', async () => {
    const res = await chat({ max_completion_tokens: 4, max_tokens: 100 });
    expect(res.json.usage.completion_tokens).toBe(4);
    expect(res.json.choices[0].finish_reason).toBe('length');
  });

  test('stop sequences end the answer before the match, buffered and streamed', async () => {
    const res = await chat({ stop: [' forty', 'never appears'] });
    expect(res.json.choices[0].message.content).toBe('The answer is');
    expect(res.json.choices[0].finish_reason).toBe('stop');
    const streamed = await chatStream({ stop: ' forty' });
    expect(joinDeltas(streamed.events, 'content')).toBe('The answer is');
    expect(streamed.events[streamed.events.length - 1].choices[0].finish_reason).toBe('stop');
  });

  test('include_reasoning: false leaves the reasoning out of the message and the stream', async () => {
    const res = await chat({ include_reasoning: false });
    expect(res.json.choices[0].message).toEqual({ role: 'assistant', content: ANSWER, refusal: null });
    // The model still reasoned: the tokens are billed.
    expect(res.json.usage.completion_tokens).toBe(CHAT_TOKENS);
    const streamed = await chatStream({ reasoning: { exclude: true } });
    expect(joinDeltas(streamed.events, 'reasoning_content')).toBe('');
    expect(joinDeltas(streamed.events, 'content')).toBe(ANSWER);
  });

  test('max_reasoning_tokens caps the thought segment, then the model answers', async () => {
    const res = await chat({ max_reasoning_tokens: 2 });
    expect(res.json.choices[0].message.reasoning_content).toBe(model.reasoningTokens.slice(0, 2).join(''));
    expect(res.json.choices[0].message.content).toBe(ANSWER);
    expect(res.json.usage.completion_tokens_details.reasoning_tokens).toBe(2);
    expect(res.json.choices[0].finish_reason).toBe('stop');
    const none = await chat({ reasoning: { max_tokens: 0 } });
    expect(none.json.choices[0].message.reasoning_content).toBeUndefined();
    expect(none.json.choices[0].message.content).toBe(ANSWER);
  });

  test('system, assistant and text-part messages render through the chat template', async () => {
    const res = await chat({
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: [{ type: 'text', text: 'First' }, { type: 'text', text: 'question' }] },
        { role: 'assistant', content: 'An earlier answer.' },
        { role: 'developer', content: 'Still brief.' },
        { role: 'user', content: 'Second question' },
      ],
    });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe(ANSWER);
    expect(res.json.usage.prompt_tokens).toBeGreaterThan((await chat()).json.usage.prompt_tokens);
  });

  test('response_format json_schema: the answer parses and follows the schema', async () => {
    const schema = {
      type: 'object',
      properties: { ok: { type: 'boolean' }, level: { enum: ['low', 'high'] } },
      required: ['ok', 'level'],
      additionalProperties: false,
    };
    const res = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'verdict', strict: true, schema } }, max_tokens: 200 });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].finish_reason).toBe('stop');
    const parsed = JSON.parse(res.json.choices[0].message.content);
    expect(Object.keys(parsed).sort()).toEqual(['level', 'ok']);
    expect(typeof parsed.ok).toBe('boolean');
    expect(['low', 'high']).toContain(parsed.level);
  });

  test('response_format json_object constrains the answer to JSON from its first character', async () => {
    const res = await chat({ response_format: { type: 'json_object' }, max_tokens: 20 });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content.startsWith('{')).toBe(true);
  });

  test('the same seed gives the same sampled answer at temperature 1', async () => {
    const a = await chat({ temperature: 1, seed: 1234, max_tokens: 24 });
    const b = await chat({ temperature: 1, seed: 1234, max_tokens: 24 });
    expect(a.status).toBe(200);
    expect(b.json.choices[0].message).toEqual(a.json.choices[0].message);
  });
});

describe('the request log line (CloudWatch Embedded Metric Format)', () => {
  let line: LogLine;
  let usage: any;
  const requestId = 'c0ffee00-1111-2222-3333-444455556666';

  beforeAll(async () => {
    const context = JSON.stringify({ request_id: requestId, deadline: Date.now() + 600_000, invoked_function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:f' });
    const res = await chat({}, { 'x-amzn-lambda-context': context });
    expect(res.headers['x-request-id']).toBe(requestId);
    usage = res.json.usage;
    line = await server.requestLog(requestId);
  });

  test('carries the EMF directive with the contract metric names, units and dimension', () => {
    expect(line._aws.CloudWatchMetrics).toEqual([{
      Namespace: 'RuntimeTests',
      Dimensions: [['FunctionName']],
      Metrics: [
        { Name: 'TimeToFirstToken', Unit: 'Milliseconds' },
        { Name: 'TokensPerSecond', Unit: 'Count/Second' },
        { Name: 'CompletionTokens', Unit: 'Count' },
        { Name: 'PromptTokens', Unit: 'Count' },
        { Name: 'GenerationDuration', Unit: 'Milliseconds' },
        { Name: 'SequencesInUse', Unit: 'Count' },
      ],
    }]);
    // One sequence by default (LLM_PARALLEL=1): the gauge says this request had the model to itself.
    expect(line.SequencesInUse).toBe(1);
    expect(typeof line._aws.Timestamp).toBe('number');
    expect(line.FunctionName).toBe('runtime-test-function');
  });

  test('its numbers agree with the usage the client got', () => {
    expect(line.PromptTokens).toBe(usage.prompt_tokens);
    expect(line.CompletionTokens).toBe(usage.completion_tokens);
    expect(line.reasoningTokens).toBe(usage.completion_tokens_details.reasoning_tokens);
    expect(line.TimeToFirstToken).toBeGreaterThan(0);
    expect(line.GenerationDuration).toBeGreaterThan(0);
    // Decode speed: the tokens after the first over the time after the first, so it leaves out the prompt's
    // evaluation and is never below the whole generation's average. The line rounds durations to 0.1 ms and
    // the rate to 0.01, which on a fast test model is a visible share: compare within those roundings.
    const tokensAfterFirst = line.CompletionTokens - 1;
    const rateFor = (ms: number) => tokensAfterFirst / (ms / 1000);
    expect(line.TokensPerSecond).toBeGreaterThanOrEqual(rateFor(line.decodeMs + 0.05) - 0.005);
    expect(line.TokensPerSecond).toBeLessThanOrEqual(rateFor(line.decodeMs - 0.05) + 0.005);
    expect(line.decodeMs).toBeLessThanOrEqual(line.GenerationDuration);
    expect(line.TokensPerSecond).toBeGreaterThanOrEqual(rateFor(line.GenerationDuration + 0.05) - 0.005);
  });

  test('its properties say who, where, how it ended, and nothing of the prompt or answer', () => {
    expect(line).toMatchObject({
      requestId, route: '/v1/chat/completions', status: 200, finishReason: 'stop', coldStart: false, stoppedBy: 'eos', stream: false,
    });
    const text = JSON.stringify(line);
    expect(text).not.toContain('Hello there');
    expect(text).not.toContain('forty');
    expect(line.prompt).toBeUndefined();
  });

  test('streamed requests log their stream flag and the same token counts', async () => {
    const res = await chatStream({ stream_options: { include_usage: true } });
    const id = res.headers['x-request-id'] as string;
    const streamedLine = await server.requestLog(id);
    expect(streamedLine).toMatchObject({ stream: true, CompletionTokens: CHAT_TOKENS, finishReason: 'stop', status: 200 });
    expect(streamedLine.PromptTokens).toBe(res.events[res.events.length - 1].usage.prompt_tokens);
  });
});

describe('POST / (the original {"prompt"} contract)', () => {
  test('buffered: {"response", "reasoning"} plus finish_reason and usage', async () => {
    const res = await post(server.url, '/', { prompt: 'Explain quantum computing', temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      response: ANSWER,
      reasoning: REASONING,
      finish_reason: 'stop',
      usage: expect.objectContaining({ completion_tokens: CHAT_TOKENS }),
    });
    expect((await server.requestLog(res.headers['x-request-id'] as string)).route).toBe('/');
  });

  test('include_reasoning: false returns the response alone', async () => {
    const res = await post(server.url, '/', { prompt: 'Explain', temperature: 0, include_reasoning: false });
    expect(res.json.response).toBe(ANSWER);
    expect(res.json).not.toHaveProperty('reasoning');
  });

  test('streamed: {"reasoning"} and {"response"} deltas that add up to the buffered answer, a summary, [DONE]', async () => {
    const buffered = (await post(server.url, '/', { prompt: 'Explain', temperature: 0, max_tokens: 10 })).json;
    const res = await stream(server.url, '/', { prompt: 'Explain', temperature: 0, max_tokens: 10, stream: true });
    expect(res.status).toBe(200);
    expect(res.done).toBe(true);
    const summary = res.events[res.events.length - 1];
    const deltas = res.events.slice(0, -1);
    expect(deltas.every((event) => Object.keys(event).length === 1 && ('response' in event || 'reasoning' in event))).toBe(true);
    expect(deltas.map((event) => event.reasoning ?? '').join('')).toBe(buffered.reasoning);
    expect(deltas.map((event) => event.response ?? '').join('')).toBe(buffered.response);
    expect(summary).toEqual({ finish_reason: 'length', usage: buffered.usage });
  });
});

describe('POST /v1/completions (raw text, no chat template)', () => {
  const PROMPT = 'Once upon a time';

  test('buffered: text_completion with the text the model continues with', async () => {
    const expected = model.expectedCompletion(PROMPT);
    const res = await post(server.url, '/v1/completions', { model: 'x', prompt: PROMPT, temperature: 0 });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^cmpl-[A-Za-z0-9]{29}$/),
      object: 'text_completion',
      created: expect.any(Number),
      model: MODEL_ID,
      choices: [{ text: expected.text, index: 0, logprobs: null, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expected.tokens, total_tokens: expect.any(Number) },
    });
    expect(res.json.usage.total_tokens).toBe(res.json.usage.prompt_tokens + expected.tokens);
  });

  test('max_tokens cuts it with finish_reason "length"', async () => {
    const expected = model.expectedCompletion(PROMPT, 3);
    const res = await post(server.url, '/v1/completions', { prompt: [PROMPT], temperature: 0, max_tokens: 3 });
    expect(res.json.choices[0]).toMatchObject({ text: expected.text, finish_reason: 'length' });
    expect(res.json.usage.completion_tokens).toBe(3);
  });

  test('streamed: text chunks concatenate to the buffered text; usage chunk last', async () => {
    const buffered = (await post(server.url, '/v1/completions', { prompt: PROMPT, temperature: 0 })).json;
    const res = await stream(server.url, '/v1/completions', { prompt: PROMPT, temperature: 0, stream: true, stream_options: { include_usage: true } });
    expect(res.done).toBe(true);
    const usageChunk = res.events[res.events.length - 1];
    const finish = res.events[res.events.length - 2];
    expect(usageChunk).toMatchObject({ object: 'text_completion', choices: [], usage: buffered.usage });
    expect(finish.choices).toEqual([{ text: '', index: 0, logprobs: null, finish_reason: 'stop' }]);
    const texts = res.events.slice(0, -2);
    expect(texts.every((event) => event.object === 'text_completion' && event.choices[0].finish_reason === null && event.usage === null)).toBe(true);
    expect(texts.map((event) => event.choices[0].text).join('')).toBe(buffered.choices[0].text);
  });

  test('a stop sequence ends the text', async () => {
    const res = await post(server.url, '/v1/completions', { prompt: PROMPT, temperature: 0, stop: ['forty'] });
    expect(res.json.choices[0]).toMatchObject({ text: 'The answer is ', finish_reason: 'stop' });
  });
});

describe('GET routes', () => {
  test('/v1/models lists the one model; /v1/models/{id} returns it', async () => {
    const list = await call(server.url, '/v1/models');
    expect(list.status).toBe(200);
    expect(list.json).toEqual({
      object: 'list',
      data: [{ id: MODEL_ID, object: 'model', created: expect.any(Number), owned_by: 'llm-function-url', capabilities: ['generation'] }],
    });
    const one = await call(server.url, `/v1/models/${encodeURIComponent(MODEL_ID)}`);
    expect(one.json).toEqual(list.json.data[0]);
  });

  test('/health says ok with the model id', async () => {
    const res = await call(server.url, '/health');
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: 'ok', model: MODEL_ID });
  });
});
