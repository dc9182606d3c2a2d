/**
 * Issue 13's defects, each reproduced against the real server: the async gaps (a disconnect while the
 * grammar is built, large prompts before the queue check), shutdown answers, a max_tokens cut inside a
 * partial stop match, fail-open settings, a deadline past the timer range, inherited role names, the
 * cold-start flag, unenforceable schemas, a byte-order mark and parameters that used to be dropped.
 */
import * as net from 'node:net';
import * as path from 'node:path';
import { RUNTIME_DIR, ServerHandle, startExpectingFailure, startServer } from './harness';
import { call, post, stream } from './http-client';
import { endlessModel, scriptedModel, tinyModel } from './models';

const endless = endlessModel();
const scripted = scriptedModel();
const CONTEXT = 4096;

const ask = (extra: Record<string, unknown> = {}) => ({ messages: [{ role: 'user', content: 'Go on' }], temperature: 0, ...extra });
const lambdaContext = (deadline: number, requestId: string) => JSON.stringify({ request_id: requestId, deadline });

/** Sends a whole request on a raw socket and closes it at once, without reading anything. */
function fireAndClose(port: number, requestId: string, body: unknown): Promise<void> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-request-id: ${requestId}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(payload)}\r\n\r\n${payload}`, () => {
        socket.destroy();
        resolve();
      });
    });
    socket.on('error', reject);
  });
}

describe('one server on the endless model (no queue, trusted Lambda context)', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({
      env: { LLM_MODEL_PATH: endless.path, LLM_QUEUE_SIZE: '0', LLM_CONTEXT_SIZE: String(CONTEXT), LLM_MAX_TOKENS: '3000', LLM_TRUST_LAMBDA_CONTEXT: 'true' },
    });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('1: a client that closes while its json_object request is prepared stops it (nothing runs for nobody)', async () => {
    for (let attempt = 0; attempt < 4; attempt++) {
      const requestId = `json-fire-and-close-${attempt}`;
      await fireAndClose(server.port, requestId, ask({ response_format: { type: 'json_object' }, max_tokens: 2000 }));
      const line = await server.requestLog(requestId, 30_000);
      expect(line).toMatchObject({ status: 499, stoppedBy: 'disconnect' });
      expect(line.CompletionTokens ?? 0).toBeLessThan(200);
    }
    const next = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 3 }));
    expect(next.json.usage.completion_tokens).toBe(3);
  });

  test('2: with the queue full, a 1 MB prompt gets 429 at once, before its prompt is counted', async () => {
    let release = false;
    let running!: () => void;
    const started = new Promise<void>((resolve) => { running = resolve; });
    const holder = stream(server.url, '/v1/chat/completions', ask({ stream: true }), {
      onEvent: () => {
        running();
        return release ? 'disconnect' : undefined;
      },
    });
    await started;
    const huge = 'word '.repeat(200_000);
    const results = await Promise.all([1, 2, 3, 4].map(() => post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: huge }] })));
    expect(results.map((r) => [r.status, r.json.error.code])).toEqual(Array(4).fill([429, 'queue_full']));
    release = true;
    const held = await holder;
    // The model is free once the holder's disconnect is handled (its log line is written then).
    await server.requestLog(held.headers['x-request-id'] as string);
    const next = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 2 }));
    expect(next.status).toBe(200);
  });

  test('2: a prompt far beyond the context is refused from a bounded probe, naming the field', async () => {
    const res = await post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'word '.repeat(200_000) }] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'context_length_exceeded', param: 'messages' });
    expect(res.json.error.message).toMatch(/resulted in more than \d+ tokens/);
    const text = await post(server.url, '/v1/completions', { prompt: 'word '.repeat(200_000) });
    expect(text.json.error).toMatchObject({ code: 'context_length_exceeded', param: 'prompt' });
  });

  test('4: a max_tokens cut inside a partial stop match returns the text (buffered and streamed)', async () => {
    // The answer runs "again and again and ...": 5 tokens are <think>, "Thinking.", </think>, "again", " and".
    const res = await post(server.url, '/v1/chat/completions', ask({ stop: 'again and again!', max_tokens: 5 }));
    expect(res.json.choices[0]).toMatchObject({ finish_reason: 'length', message: { content: 'again and' } });
    expect(res.json.usage.completion_tokens).toBe(5);
    const streamed = await stream(server.url, '/v1/chat/completions', ask({ stop: ['again and again!'], max_tokens: 5, stream: true }));
    const content = streamed.events.filter((e) => e.choices?.length).map((e) => e.choices[0].delta.content ?? '').join('');
    expect(content).toBe('again and');
    const completion = await post(server.url, '/v1/completions', { prompt: 'Go', temperature: 0, stop: 'again and again!', max_tokens: 2 });
    expect(completion.json.choices[0]).toMatchObject({ text: 'again and', finish_reason: 'length' });
    // A real match still ends the answer before it.
    const stopped = await post(server.url, '/v1/chat/completions', ask({ stop: ' and again', max_tokens: 50 }));
    expect(stopped.json.choices[0]).toMatchObject({ finish_reason: 'stop', message: { content: 'again' } });
  });

  test('6: a deadline beyond the timer range (2^31 ms) does not cut the answer', async () => {
    const requestId = 'far-deadline';
    const res = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 20 }),
      { 'x-amzn-lambda-context': lambdaContext(Date.now() + 2 ** 31 + 60_000, requestId) });
    expect(res.json.usage.completion_tokens).toBe(20);
    expect((await server.requestLog(requestId)).stoppedBy).toBe('max_tokens');
  });

  test('11: logit_bias maps to the token bias; bad keys and unknown ids are refused', async () => {
    const again = endless.tokenize('again');
    expect(again).toHaveLength(1);
    const banned = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 4, logit_bias: { [again[0]]: -100 } }));
    expect(banned.status).toBe(200);
    expect(banned.json.choices[0].message.content.startsWith('again')).toBe(false);
    const plain = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 4, logit_bias: { [again[0]]: 0 } }));
    expect(plain.json.choices[0].message.content.startsWith('again')).toBe(true);
    const badKey = await post(server.url, '/v1/chat/completions', ask({ logit_bias: { abc: 5 } }));
    expect(badKey.json.error).toMatchObject({ param: 'logit_bias.abc', code: 'invalid_value' });
    const unknown = await post(server.url, '/v1/chat/completions', ask({ logit_bias: { 99999999: 5 } }));
    expect(unknown.json.error).toMatchObject({ param: 'logit_bias.99999999' });
    const range = await post(server.url, '/v1/chat/completions', ask({ logit_bias: { 5: 101 } }));
    expect(range.json.error).toMatchObject({ param: 'logit_bias.5' });
  });
});

describe('examined: Retry-After and malformed HTTP behind a streamed answer', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: endless.path, LLM_QUEUE_SIZE: '0', LLM_MAX_TOKENS: '3000' } });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  /** Streams until the first answer text, then either drops the connection or keeps reading until `release`. */
  function holdModel(): { started: Promise<void>; release: () => Promise<void> } {
    let running!: () => void;
    let letGo = false;
    const started = new Promise<void>((resolve) => { running = resolve; });
    const done = stream(server.url, '/v1/chat/completions', ask({ stream: true }), {
      onEvent: () => {
        running();
        return letGo ? 'disconnect' : undefined;
      },
    });
    return {
      started,
      release: async () => {
        letGo = true;
        const held = await done;
        await server.requestLog(held.headers['x-request-id'] as string);
      },
    };
  }

  test('generations cut short (disconnects) do not lower Retry-After', async () => {
    for (let i = 0; i < 4; i++) {
      const cut = holdModel();
      await cut.started;
      await cut.release();
    }
    const holder = holdModel();
    await holder.started;
    const refused = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 2 }));
    expect(refused.status).toBe(429);
    // No generation completed yet: the estimate is still the initial 5 s per generation.
    expect(refused.headers['retry-after']).toBe('5');
    await holder.release();
  });

  test('malformed bytes pipelined behind a streaming request never write a raw 400 into the stream', async () => {
    const body = JSON.stringify(ask({ stream: true, max_tokens: 3000 }));
    const logsBefore = server.logs.length;
    const received = await new Promise<string>((resolve, reject) => {
      let text = '';
      const socket = net.connect(server.port, '127.0.0.1', () => {
        socket.write(`POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
        setTimeout(() => socket.write('THIS IS NOT HTTP\r\n\r\n'), 100);
      });
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => { text += chunk; });
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
      setTimeout(() => socket.destroy(), 10_000);
    });
    expect(received.startsWith('HTTP/1.1 200')).toBe(true);
    expect(received).not.toContain('HTTP/1.1 400');
    // The streamed generation gives the model back once it has noticed the closed connection.
    await server.waitForLog((line) => line.event === 'request' && line.stream === true, 10_000, logsBefore);
    const next = await post(server.url, '/v1/chat/completions', ask({ max_tokens: 2 }));
    expect(next.status).toBe(200);
  });
});

describe('3: SIGTERM with a running and a queued request', () => {
  test('the queued one gets a retryable 503, the running one ends as documented, the log says shutdown', async () => {
    const server = await startServer({ env: { LLM_MODEL_PATH: endless.path, LLM_QUEUE_SIZE: '2', LLM_MAX_TOKENS: '15000', LLM_CONTEXT_SIZE: '16384' } });
    try {
      let queued: ReturnType<typeof post> | undefined;
      const running = stream(server.url, '/v1/chat/completions', ask({ stream: true }), {
        onEvent: (event) => {
          if (queued === undefined && event.choices?.[0]?.delta?.content) {
            queued = post(server.url, '/v1/chat/completions', ask({ max_tokens: 5 }));
            // Give the second request time to reach the queue, then stop the server.
            setTimeout(() => server.child.kill('SIGTERM'), 300);
          }
        },
      });
      const streamed = await running;
      const refused = await queued!;
      expect(refused.status).toBe(503);
      expect(refused.json.error).toMatchObject({ type: 'server_error', code: 'shutting_down' });
      expect(refused.headers['retry-after']).toBe('1');
      expect(streamed.done).toBe(true);
      expect(streamed.events[streamed.events.length - 1].choices[0].finish_reason).toBe('length');
      expect(await server.waitForExit()).toEqual({ code: 0, signal: null });
      const lines = server.requestLogs();
      expect(lines.find((line) => line.stream === true)).toMatchObject({ stoppedBy: 'shutdown', finishReason: 'length', status: 200 });
      expect(lines.find((line) => line.status === 503)).toMatchObject({ errorCode: 'shutting_down' });
    } finally {
      if (!server.hasExited) server.child.kill('SIGKILL');
    }
  });
});

describe('on the scripted model', () => {
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: scripted.path } });
  });

  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  const chat = (extra: Record<string, unknown>) =>
    post(server.url, '/v1/chat/completions', { messages: [{ role: 'user', content: 'hi' }], temperature: 0, ...extra });

  test('8: coldStart goes to the first generation, not to the first request that finishes', async () => {
    const models = await call(server.url, '/v1/models');
    const missing = await call(server.url, '/nowhere');
    const bad = await chat({ temperature: 9 });
    const first = await chat({});
    const second = await chat({});
    const flags = await Promise.all([models, missing, bad, first, second].map(async (res) =>
      (await server.requestLog(res.headers['x-request-id'] as string)).coldStart));
    expect(flags).toEqual([false, false, false, true, false]);
  });

  test.each(['constructor', 'toString', '__proto__', 'hasOwnProperty'])('7: the role %j is refused, not rendered', async (role) => {
    const res = await post(server.url, '/v1/chat/completions', { messages: [{ role, content: 'hi' }] });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: 'messages[0].role', code: 'invalid_value' });
  });

  const schemaCases: Array<[string, Record<string, unknown>, string]> = [
    ['a $ref to a missing definition', { type: 'object', properties: { a: { $ref: '#/$defs/missing' } } }, 'response_format.json_schema.schema.properties.a.$ref'],
    // "#/definitions/x" and "#" are resolved since the normaliser (json-schema-normaliser.test.ts); other documents are not.
    ['a $ref to another document', { type: 'object', properties: { a: { $ref: 'https://example.invalid/a.json' } } }, 'response_format.json_schema.schema.properties.a.$ref'],
    ['a $ref to an anchor', { $ref: '#thing', $defs: { thing: { $anchor: 'thing', type: 'string' } } }, 'response_format.json_schema.schema.$ref'],
  ];
  test.each(schemaCases)('9: %s is refused with the path', async (_name, schema, param) => {
    const res = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ code: 'invalid_json_schema', param });
  });

  test('9: a schema with a good $ref still works', async () => {
    const schema = { $defs: { level: { enum: ['low', 'high'] } }, type: 'object', properties: { level: { $ref: '#/$defs/level' } }, required: ['level'] };
    const res = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } }, max_tokens: 50 });
    expect(res.status).toBe(200);
    expect(['low', 'high']).toContain(JSON.parse(res.json.choices[0].message.content).level);
  });

  test('9: definitions that reference each other in a deep chain are checked in linear time (a 2^n walk would block the server)', async () => {
    // d0 -> d1 twice -> d2 twice ... : following every reference visits 2^40 nodes.
    const levels = 40;
    const $defs: Record<string, unknown> = { [`d${levels}`]: { type: 'integer' } };
    for (let i = 0; i < levels; i++) $defs[`d${i}`] = { anyOf: [{ $ref: `#/$defs/d${i + 1}` }, { $ref: `#/$defs/d${i + 1}` }] };
    const schema = { $defs, $ref: '#/$defs/d0' };
    const res = await chat({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } }, max_tokens: 8 });
    expect(res.status).toBe(200);
    expect((await call(server.url, '/health')).status).toBe(200);
  }, 30_000);

  test('10: a body that starts with a byte-order mark is accepted', async () => {
    const body = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], temperature: 0 }))]);
    const res = await call(server.url, '/v1/chat/completions', { method: 'POST', body });
    expect(res.status).toBe(200);
    expect(res.json.choices[0].message.content).toBe(scripted.answer);
  });

  test.each([
    ['reasoning_effort', 'low', 'unsupported_parameter'],
    ['reasoning_effort', 'medium', 'unsupported_parameter'],
    // Tools exist now (issue 10); asking for a call with none offered is still refused, not dropped.
    ['tool_choice', 'required', 'invalid_value'],
  ])('11: %s = %j is refused (%s)', async (field, value, code) => {
    const res = await chat({ [field]: value });
    expect(res.status).toBe(400);
    expect(res.json.error).toMatchObject({ param: field, code });
  });

  test('6: untrusted by default, x-amzn-lambda-context and x-request-id from a client change nothing', async () => {
    const res = await chat({ max_tokens: 5 }).then(() => post(server.url, '/v1/chat/completions',
      { messages: [{ role: 'user', content: 'hi' }], temperature: 0, max_tokens: 5 },
      { 'x-amzn-lambda-context': lambdaContext(Date.now() - 1000, 'spoofed-id'), 'x-request-id': 'spoofed-too' }));
    expect(res.status).toBe(200);
    expect(res.json.usage.completion_tokens).toBe(5);
    expect(res.headers['x-request-id']).not.toMatch(/spoofed/);
  });
});

describe('9: recursive schemas are enforced (node-llama-cpp turns them into recursive grammar rules)', () => {
  const tiny = tinyModel();
  let server: ServerHandle;

  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: tiny.path } });
  });

  afterAll(async () => {
    await server?.stop();
  });

  /** A linked list of at least two nodes: every node has an integer value and a next node or null. */
  const schema = {
    $defs: {
      node: {
        type: 'object',
        properties: { value: { type: 'integer' }, next: { anyOf: [{ type: 'null' }, { $ref: '#/$defs/node' }] } },
        required: ['value', 'next'],
        additionalProperties: false,
      },
    },
    type: 'object',
    properties: { value: { type: 'integer' }, next: { $ref: '#/$defs/node' } },
    required: ['value', 'next'],
    additionalProperties: false,
  };
  const isList = (node: any): boolean => node !== null && typeof node === 'object' && Object.keys(node).sort().join() === 'next,value'
    && Number.isInteger(node.value) && (node.next === null || isList(node.next));

  test('a linked-list schema: every completed answer is a valid list (random weights, so only the grammar shapes it)', async () => {
    const finished: unknown[] = [];
    for (let seed = 1; seed <= 8 && finished.length < 3; seed++) {
      const res = await post(server.url, '/v1/chat/completions', {
        messages: [{ role: 'user', content: 'A list, please.' }],
        temperature: 1,
        seed,
        max_tokens: 400,
        response_format: { type: 'json_schema', json_schema: { name: 'list', schema } },
      });
      expect(res.status).toBe(200);
      if (res.json.choices[0].finish_reason === 'stop') finished.push(JSON.parse(res.json.choices[0].message.content));
    }
    expect(finished.length).toBeGreaterThan(0);
    for (const list of finished) {
      expect(isList(list)).toBe(true);
      expect((list as any).next).not.toBeNull(); // the node definition, reached through the recursive $ref
    }
  });
});

describe('5: a blank bearer key fails closed', () => {
  test.each([
    ['LLM_API_KEY=" "', { env: { LLM_MODEL_PATH: scripted.path, LLM_API_KEY: ' ' } }],
    ["--api-key ''", { env: { LLM_MODEL_PATH: scripted.path }, args: [path.join(RUNTIME_DIR, 'dist', 'cli.js'), '--api-key', ''] }],
  ])('%s: the server refuses to start instead of serving without auth', async (_name, options) => {
    const result = await startExpectingFailure(options);
    expect(result.code).toBe(1);
    expect(result.logs.find((line) => line.event === 'startup_failed')).toMatchObject({ variable: 'LLM_API_KEY' });
    expect(result.logs.some((line) => line.event === 'listening')).toBe(false);
  });
});
