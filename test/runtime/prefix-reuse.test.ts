/**
 * Prefix reuse: the one context sequence keeps the tokens of the request before, and node-llama-cpp evaluates
 * only what a new prompt does not share with them. LLM_ISOLATE_REQUESTS=true forgets them after every
 * generation. Asserted from the log line's token counts (promptTokensEvaluated), never from timings; the
 * time it saves (and costs) is measured by `npx projen bench:prefix`.
 */
import { ServerHandle, startServer } from './harness';
import { post } from './http-client';
import { scriptedModel } from './models';

const model = scriptedModel();
const SYSTEM = Array.from({ length: 40 }, (_, i) => `Rule ${i}: answer the user with a short and good answer.`).join(' ');
const TURN_1 = [{ role: 'system', content: SYSTEM }, { role: 'user', content: 'Hello there' }];
const TURN_2 = [...TURN_1, { role: 'assistant', content: model.answer }, { role: 'user', content: 'Tell me more' }];

async function turnTwoLine(server: ServerHandle) {
  await post(server.url, '/v1/chat/completions', { messages: TURN_1, temperature: 0 });
  const res = await post(server.url, '/v1/chat/completions', { messages: TURN_2, temperature: 0 });
  expect(res.status).toBe(200);
  return server.requestLog(res.headers['x-request-id'] as string);
}

describe.each([
  ['default: turn 2 evaluates only what follows the shared prefix', {}, (line: any) => expect(line.promptTokensEvaluated).toBeLessThan(line.PromptTokens / 4)],
  ['LLM_ISOLATE_REQUESTS=true: turn 2 evaluates its whole prompt', { LLM_ISOLATE_REQUESTS: 'true' },
    // The last prompt token is evaluated with the first sampled one, so the meter counts one less as input.
    (line: any) => expect(line.promptTokensEvaluated).toBeGreaterThanOrEqual(line.PromptTokens - 1)],
])('%s', (_name, env, check) => {
  let server: ServerHandle;
  beforeAll(async () => {
    server = await startServer({ env: { LLM_MODEL_PATH: model.path, ...env } });
  });
  afterAll(async () => {
    if (server !== undefined) expect((await server.stop()).code).toBe(0);
  });

  test('the log line says how many prompt tokens were evaluated', async () => {
    const line = await turnTwoLine(server);
    expect(line.PromptTokens).toBeGreaterThan(300);
    check(line);
    // Same answer either way: reuse changes the work, not the result.
    const res = await post(server.url, '/v1/chat/completions', { messages: TURN_2, temperature: 0 });
    expect(res.json.choices[0].message.content).toBe(model.answer);
  });
});
