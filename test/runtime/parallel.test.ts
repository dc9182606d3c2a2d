/**
 * LLM_PARALLEL: several generations at once, one context sequence each, decoded in one batch. Each stream must
 * get exactly its own scripted answer, and everything promised per request (disconnect, deadline, SIGTERM, the
 * queue's 429, stop sequences, tools, grammars, prefix reuse and isolation, metrics) must hold while others run.
 * The endless model never stops by itself, so streams last until their max_tokens (or a cut) and overlap for sure.
 */
import { LogLine, ServerHandle, startServer } from './harness';
import { post, SseResult, stream } from './http-client';
import { endlessModel, scriptedModel, toolModel, WEATHER_CALL } from './models';

const endless = endlessModel();
const MARGIN_MS = 1500;

/** The first n tokens an endless chat reply samples: <think>, the reasoning, </think>, then the answer forever. */
function endlessChat(n: number): { reasoning: string; content: string } {
  const head = endless.chatTokens;
  const answer = endless.answerTokens;
  const tokens = Array.from({ length: n }, (_, i) => (i < head.length ? head[i] : answer[(i - head.length) % answer.length]));
  const end = tokens.indexOf('</think>');
  return { reasoning: tokens.slice(1, end < 0 ? undefined : end).join(''), content: end < 0 ? '' : tokens.slice(end + 1).join('') };
}

const joined = (events: any[], field: string): string =>
  events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta?.[field] ?? e.choices[0].text ?? '').join('');

const chatBody = (maxTokens: number, extra: Record<string, unknown> = {}) =>
  ({ messages: [{ role: 'user', content: 'Go on' }], temperature: 0, stream: true, max_tokens: maxTokens, ...extra });

/** A stream whose arrival times are kept: when its first text came, when it ended. */
interface Timed {
  readonly result: SseResult;
  readonly firstTextAt: number;
  readonly endedAt: number;
}

function timedStream(server: ServerHandle, path: string, body: unknown,
  options: { headers?: Record<string, string>; onEvent?: (event: any, index: number) => 'disconnect' | void } = {}): Promise<Timed> {
  let firstTextAt = NaN;
  return stream(server.url, path, body, {
    headers: options.headers,
    onEvent: (event, index) => {
      const choice = event.choices?.[0];
      if (Number.isNaN(firstTextAt) && (choice?.delta?.content || choice?.delta?.reasoning_content || choice?.text)) firstTextAt = Date.now();
      return options.onEvent?.(event, index);
    },
  }).then((result) => ({ result, firstTextAt, endedAt: Date.now() }));
}

/** Resolves once `count` calls of the returned callback have happened. */
function countdown(count: number): { tick: () => void; done: Promise<void> } {
  let left = count;
  let resolve!: () => void;
  const done = new Promise<void>((r) => { resolve = r; });
  return { tick: () => { if (--left === 0) resolve(); }, done };
}

const requestLines = (server: ServerHandle, from: number): LogLine[] => server.logs.slice(from).filter((line) => line.event === 'request');

describe('LLM_PARALLEL=3 with one waiting place (endless model)', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({
      env: {
        LLM_MODEL_PATH: endless.path,
        LLM_PARALLEL: '3',
        LLM_QUEUE_SIZE: '1',
        LLM_MAX_TOKENS: '3000',
        LLM_CONTEXT_SIZE: '4096',
        LLM_TRUST_LAMBDA_CONTEXT: 'true',
      },
    });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('the start-up log says how many sequences there are and that the KV cache grows that many times', () => {
    const loaded = server.logs.find((line) => line.event === 'model_loaded')!;
    expect(loaded).toMatchObject({ parallel: 3, contextSize: 4096, kvCacheTokens: 3 * 4096 });
    expect(loaded.message).toContain('3 times');
    expect(server.logs.find((line) => line.event === 'config')).toMatchObject({ parallel: 3 });
  });

  test('three streams at once each get exactly their own answer, decoded side by side', async () => {
    const from = server.logs.length;
    const streams = await Promise.all([
      timedStream(server, '/v1/chat/completions', chatBody(700)),
      timedStream(server, '/v1/chat/completions', chatBody(800)),
      timedStream(server, '/v1/completions', { prompt: 'Tell me again', temperature: 0, stream: true, max_tokens: 900 }),
    ]);
    for (const [index, tokens] of [700, 800].entries()) {
      const expected = endlessChat(tokens);
      expect(joined(streams[index].result.events, 'reasoning_content')).toBe(expected.reasoning);
      expect(joined(streams[index].result.events, 'content')).toBe(expected.content);
    }
    expect(joined(streams[2].result.events, 'text')).toBe(endless.expectedCompletion('Tell me again', 900).text);
    // Overlapped: every stream had its first token before any of them ended.
    expect(Math.max(...streams.map((s) => s.firstTextAt))).toBeLessThan(Math.min(...streams.map((s) => s.endedAt)));
    await server.waitForLog(() => requestLines(server, from).length === 3);
    const lines = requestLines(server, from);
    // The gauge: each took a sequence while the ones before it held theirs.
    expect(lines.map((line) => line.SequencesInUse).sort()).toEqual([1, 2, 3]);
    expect(lines[0]._aws.CloudWatchMetrics[0].Metrics).toContainEqual({ Name: 'SequencesInUse', Unit: 'Count' });
    expect(lines.map((line) => line.CompletionTokens).sort()).toEqual([700, 800, 900]);
  });

  test('a client that leaves frees its sequence at once: the waiting request starts while the others still run', async () => {
    const from = server.logs.length;
    const running = countdown(3);
    let leave = false;
    const seen = [false, false, false];
    const holders = [0, 1, 2].map((index) => timedStream(server, '/v1/chat/completions', chatBody(2500), {
      onEvent: (event) => {
        if (!seen[index] && event.choices?.[0]?.delta?.content) {
          seen[index] = true;
          running.tick();
        }
        return index === 0 && leave ? 'disconnect' : undefined;
      },
    }));
    await running.done;
    const waiting = timedStream(server, '/v1/chat/completions', chatBody(40));
    // It waits in line: all three sequences are taken.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(requestLines(server, from)).toEqual([]);
    leave = true;
    const [left, second, third] = await Promise.all(holders);
    const served = await waiting;
    expect(left.result.done).toBe(false);
    expect(joined(served.result.events, 'content')).toBe(endlessChat(40).content);
    // Admitted (and finished) while the two other streams were still generating.
    expect(served.endedAt).toBeLessThan(Math.min(second.endedAt, third.endedAt));
    for (const other of [second, third]) expect(joined(other.result.events, 'content')).toBe(endlessChat(2500).content);
    const lines = requestLines(server, from);
    expect(lines.find((line) => line.status === 499)).toMatchObject({ stoppedBy: 'disconnect', finishReason: 'length' });
    expect(lines.find((line) => line.CompletionTokens === 40)?.queueMs).toBeGreaterThan(0);
  });

  test('a deadline cuts its own stream with "length" and leaves the others to finish', async () => {
    const requestId = 'parallel-deadline-1';
    const context = JSON.stringify({ request_id: requestId, deadline: Date.now() + MARGIN_MS + 400, invoked_function_arn: 'arn:aws:lambda:us-east-1:123456789012:function:f' });
    const [cut, ...others] = await Promise.all([
      timedStream(server, '/v1/chat/completions', chatBody(2900), { headers: { 'x-amzn-lambda-context': context } }),
      timedStream(server, '/v1/chat/completions', chatBody(2000)),
      timedStream(server, '/v1/chat/completions', chatBody(2100)),
    ]);
    const finish = cut.result.events.filter((e) => e.choices?.[0]?.finish_reason).at(-1);
    expect(finish.choices[0].finish_reason).toBe('length');
    const line = await server.requestLog(requestId);
    expect(line).toMatchObject({ stoppedBy: 'deadline', finishReason: 'length' });
    expect(line.CompletionTokens).toBeLessThan(2900);
    expect(joined(others[0].result.events, 'content')).toBe(endlessChat(2000).content);
    expect(joined(others[1].result.events, 'content')).toBe(endlessChat(2100).content);
  });

  test('three running and one waiting: the next gets 429 with a Retry-After of 1 to 60 s; the waiting one is served', async () => {
    const running = countdown(3);
    let release = false;
    const holders = [0, 1, 2].map(() => {
      let counted = false;
      return stream(server.url, '/v1/chat/completions', chatBody(2900), {
        onEvent: (event) => {
          if (!counted && event.choices?.[0]?.delta?.content) {
            counted = true;
            running.tick();
          }
          return release ? 'disconnect' : undefined;
        },
      });
    });
    await running.done;
    const waiting = post(server.url, '/v1/chat/completions', { ...chatBody(5), stream: false });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const refused = await post(server.url, '/v1/completions', { prompt: 'x', temperature: 0, max_tokens: 5 });
    expect(refused.status).toBe(429);
    expect(refused.json.error.code).toBe('queue_full');
    const retryAfter = Number(refused.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    release = true;
    await Promise.all(holders);
    const served = await waiting;
    expect(served.status).toBe(200);
    expect(served.json.usage.completion_tokens).toBe(5);
  });
});

describe('SIGTERM with two running and one waiting (LLM_PARALLEL=2)', () => {
  test('the running streams end with "length", the waiting request gets a retryable 503, the process exits 0', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: endless.path, LLM_PARALLEL: '2', LLM_QUEUE_SIZE: '1', LLM_MAX_TOKENS: '15000', LLM_CONTEXT_SIZE: '16384' } });
    try {
      const running = countdown(2);
      const holders = [0, 1].map(() => {
        let counted = false;
        return stream(server.url, '/v1/chat/completions', chatBody(15000), {
          onEvent: (event) => {
            if (!counted && event.choices?.[0]?.delta?.content) {
              counted = true;
              running.tick();
            }
          },
        });
      });
      await running.done;
      const waiting = post(server.url, '/v1/chat/completions', { ...chatBody(5), stream: false });
      await new Promise((resolve) => setTimeout(resolve, 200));
      server.child.kill('SIGTERM');
      const [first, second] = await Promise.all(holders);
      for (const held of [first, second]) {
        expect(held.done).toBe(true);
        expect(held.events.filter((e) => e.choices?.[0]?.finish_reason).at(-1).choices[0].finish_reason).toBe('length');
      }
      const refused = await waiting;
      expect(refused.status).toBe(503);
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
      expect(server.logs.find((line) => line.event === 'shutdown')).toMatchObject({ running: 3 });
    } finally {
      if (!server.hasExited) await server.stop();
    }
  });
});

describe.each([
  ['default', {}, (line: LogLine) => expect(line.promptTokensEvaluated).toBeLessThan(line.PromptTokens / 4)],
  ['LLM_ISOLATE_REQUESTS=true', { LLM_ISOLATE_REQUESTS: 'true' }, (line: LogLine) => expect(line.promptTokensEvaluated).toBeGreaterThanOrEqual(line.PromptTokens - 1)],
])('prefix routing with LLM_PARALLEL=3, %s', (_name, env, check) => {
  const SYSTEM = Array.from({ length: 40 }, (_, i) => `Rule ${i}: answer the user with a short and good answer.`).join(' ');
  const TURN_1 = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Hello there' }];
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: endless.path, LLM_PARALLEL: '3', LLM_MAX_TOKENS: '3000', ...env } });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('turn 2 of a chat goes to the sequence that holds turn 1, while another chat streams on a third', async () => {
    // Turn 1 takes a sequence; the other chat takes the one used longest ago (not turn 1's); turn 2 then has two
    // free sequences to choose from, and the one used longest ago is empty: only the cached prefix tells them apart.
    const first = await post(server.url, '/v1/chat/completions', { messages: TURN_1, temperature: 0, max_tokens: 12 });
    const turn2 = [...TURN_1, { role: 'assistant', content: first.json.choices[0].message.content }, { role: 'user', content: 'Tell me more' }];
    const started = countdown(1);
    const other = timedStream(server, '/v1/chat/completions', chatBody(2500, { messages: [{ role: 'user', content: 'A different chat entirely' }] }), {
      onEvent: (event) => { if (event.choices?.[0]?.delta?.content) started.tick(); },
    });
    await started.done;
    const second = await post(server.url, '/v1/chat/completions', { messages: turn2, temperature: 0, max_tokens: 12 });
    const secondEndedAt = Date.now();
    const line = await server.requestLog(second.headers['x-request-id'] as string);
    expect(line.PromptTokens).toBeGreaterThan(300);
    check(line);
    expect(line.SequencesInUse).toBe(2);
    expect(secondEndedAt).toBeLessThan((await other).endedAt);
  });
});

describe('placement with LLM_PARALLEL=4', () => {
  test('a new request fills the gap a finished one left, keeping the running sequences consecutive', async () => {
    // llama.cpp computes a decode in one pass only over sequences whose ids follow each other: 0, 1, 2 is one
    // pass, 0, 2, 3 two. With 0 and 2 running, sequence 1 (just used) and 3 (empty) are free: 1 it is.
    const server = await startServer({ env: { LLM_MODEL_PATH: endless.path, LLM_PARALLEL: '4', LLM_MAX_TOKENS: '3000' } });
    try {
      const running = countdown(3);
      const leaving = [false, false, false];
      const streams = [0, 1, 2].map((index) => {
        let counted = false;
        return stream(server.url, '/v1/chat/completions', chatBody(2900, { messages: [{ role: 'user', content: `Chat number ${index}` }] }), {
          onEvent: (event) => {
            if (!counted && event.choices?.[0]?.delta?.content) {
              counted = true;
              running.tick();
            }
            return leaving[index] ? 'disconnect' : undefined;
          },
        });
      });
      await running.done;
      const from = server.logs.length;
      leaving[1] = true;
      await streams[1];
      const gone = await server.waitForLog((line) => line.event === 'request' && line.status === 499, 30_000, from);
      const next = await post(server.url, '/v1/chat/completions', { ...chatBody(20), stream: false, messages: [{ role: 'user', content: 'Chat number 3' }] });
      const line = await server.requestLog(next.headers['x-request-id'] as string);
      expect(line.sequenceId).toBe(gone.sequenceId);
      expect(line.SequencesInUse).toBe(3);
      leaving[0] = true;
      leaving[2] = true;
      await Promise.all(streams);
    } finally {
      await server.stop();
    }
  });
});

describe('stop sequences, tools and grammars per request, side by side (LLM_PARALLEL=4, tool model)', () => {
  const tools = toolModel();
  const PARAMETERS = { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false };
  const TOOLS = [{ type: 'function', function: { name: 'get_weather', description: 'The weather in a city', parameters: PARAMETERS } }];
  const QUESTION = [{ role: 'user', content: 'What is the weather in Paris?' }];
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: tools.path, LLM_PARALLEL: '4' } });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('a call, a forced call, a stop sequence and a JSON grammar sent together each get their own result', async () => {
    const from = server.logs.length;
    const [call, forced, stopped, json] = await Promise.all([
      post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, temperature: 0 }),
      post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, tool_choice: 'required', temperature: 0 }),
      post(server.url, '/v1/chat/completions', { messages: QUESTION, temperature: 0, stop: [' look'] }),
      post(server.url, '/v1/chat/completions', { messages: QUESTION, temperature: 0, response_format: { type: 'json_object' }, max_tokens: 20 }),
    ]);
    for (const res of [call, forced]) {
      expect(res.json.choices[0].finish_reason).toBe('tool_calls');
      expect(res.json.choices[0].message.tool_calls).toEqual([{ id: expect.stringMatching(/^call_/), type: 'function', function: WEATHER_CALL }]);
    }
    // The stop sequence fires inside the reasoning ("I should look it up.").
    expect(stopped.json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: '', reasoning_content: 'I should' } });
    expect(json.json.choices[0].message.content.startsWith('{')).toBe(true);
    await server.waitForLog(() => requestLines(server, from).length === 4);
    expect(Math.max(...requestLines(server, from).map((line) => line.SequencesInUse))).toBeGreaterThanOrEqual(2);
  });

  test('a tool result in the history gets the answer, while another request calls the tool', async () => {
    const history = [...QUESTION,
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: WEATHER_CALL }] },
      { role: 'tool', tool_call_id: 'call_1', content: '{"sky":"sunny"}' }];
    const [answer, call] = await Promise.all([
      post(server.url, '/v1/chat/completions', { messages: history, tools: TOOLS, temperature: 0 }),
      post(server.url, '/v1/chat/completions', { messages: QUESTION, tools: TOOLS, temperature: 0 }),
    ]);
    expect(answer.json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: tools.answer } });
    expect(call.json.choices[0].message.tool_calls[0].function).toEqual(WEATHER_CALL);
  });
});

describe('LLM_PARALLEL=1 (the default) still runs one generation at a time', () => {
  test('a second request waits for the first; the gauge never passes 1', async () => {
    const scripted = scriptedModel();
    const server = await startServer({ env: { LLM_MODEL_PATH: scripted.path } });
    try {
      const from = server.logs.length;
      const results = await Promise.all([0, 1, 2].map(() => post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'Hi' }], temperature: 0 })));
      for (const res of results) expect(res.json.choices[0].message.content).toBe(scripted.answer);
      await server.waitForLog(() => requestLines(server, from).length === 3);
      expect(requestLines(server, from).map((line) => line.SequencesInUse)).toEqual([1, 1, 1]);
      const loaded = server.logs.find((line) => line.event === 'model_loaded')!;
      expect(loaded.parallel).toBe(1);
      expect(loaded.message).toBeUndefined();
    } finally {
      await server.stop();
    }
  });
});
