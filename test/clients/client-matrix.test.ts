/**
 * The client matrix: the libraries people use, unmodified and pinned, against the real server on scripted models
 * whose greedy answers are known exactly. Each scenario runs in its own `node` process (test/clients/*.mjs), as a
 * user's program would; see README.md in this folder.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runNodeLlama } from '../gguf';
import { ServerHandle, startServer } from '../runtime/harness';
import { embeddingModel, jsonModel, PERSON, personModel, scriptedModel, toolModel, WEATHER_CALL, WEATHER_JSON, weatherUnitModel } from '../runtime/models';
import { maxDifference, normalize } from '../runtime/vectors';

const text = scriptedModel();
const tools = toolModel();
const json = jsonModel();
const unitTools = weatherUnitModel();
const person = personModel();
const embedding = embeddingModel();
const MODELS = { text: text.path, tools: tools.path, json: json.path, unitTools: unitTools.path, person: person.path, embedding: embedding.path };
const servers: Partial<Record<keyof typeof MODELS, ServerHandle>> = {};

beforeAll(async () => {
  await Promise.all(Object.entries(MODELS).map(async ([name, modelPath]) => {
    servers[name as keyof typeof MODELS] = await startServer({ env: { LLM_MODEL_PATH: modelPath } });
  }));
});

afterAll(async () => {
  for (const server of Object.values(servers)) if (server !== undefined) expect((await server.stop()).code).toBe(0);
});

interface ScenarioOutput {
  readonly ok: boolean;
  readonly result?: any;
  readonly error?: string;
}

/** Runs one scenario of one client script against one of the servers; resolves with what the client returned. */
function runClient(script: string, scenario: string, server: keyof typeof servers): Promise<any> {
  const handle = servers[server]!;
  return new Promise((resolve, reject) => {
    execFile(process.execPath, [path.join(__dirname, script), scenario], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, BASE_URL: handle.url, MODEL_ID: path.basename(MODELS[server], '.gguf') },
      timeout: 60_000,
    }, (error, stdout, stderr) => {
      const line = stdout.trim().split('\n').at(-1) ?? '';
      let output: ScenarioOutput;
      try {
        output = JSON.parse(line);
      } catch {
        reject(new Error(`${script} ${scenario} printed no result (${error?.message ?? ''}):\n${stdout}\n${stderr}`));
        return;
      }
      if (!output.ok) reject(new Error(`${script} ${scenario} failed: ${output.error}\nserver log:\n${handle.describe().slice(-2000)}`));
      else resolve(output.result);
    });
  });
}

const PARIS = [{ city: 'Paris' }];

describe('openai (openai-sdk.mjs)', () => {
  test('chat.completions.create: the exact answer', async () => {
    expect(await runClient('openai-sdk.mjs', 'chat', 'text')).toEqual({ text: text.answer, finish: 'stop' });
  });
  test('chat.completions.runTools: the call, the tool\'s result, the answer after it', async () => {
    expect(await runClient('openai-sdk.mjs', 'runTools', 'tools')).toEqual({ text: tools.answer, calls: PARIS });
  });
  test('responses.create: output_text is the answer alone, the reasoning is its own item, usage in Responses terms', async () => {
    const result = await runClient('openai-sdk.mjs', 'responsesCreate', 'text');
    expect(result).toMatchObject({ text: text.answer, status: 'completed', types: ['reasoning', 'message'], reasoning: text.reasoning });
    expect(result.usage).toMatchObject({
      output_tokens: text.chatCompletionTokens, output_tokens_details: { reasoning_tokens: text.reasoningTokens.length },
    });
  });
  test('responses.stream: deltas add up to the answer and the reasoning; created first, completed last', async () => {
    expect(await runClient('openai-sdk.mjs', 'responsesStream', 'text')).toEqual({
      text: text.answer, deltas: text.answer, reasoningDeltas: text.reasoning, status: 'completed', first: 'response.created', last: 'response.completed',
    });
  });
  test('a tool whose parameters pydantic v2 wrote (nested models, a list of models, Enum, Literal, Optional), forced', async () => {
    expect(await runClient('openai-sdk.mjs', 'pydanticTool', 'person')).toEqual({ name: 'save_person', args: PERSON, errors: [], text: person.answer });
  });
  test('responses.create with a function tool: the function_call item, then the answer after its output', async () => {
    expect(await runClient('openai-sdk.mjs', 'responsesTools', 'tools'))
      .toEqual({ call: WEATHER_CALL, calls: PARIS, text: tools.answer, status: 'completed' });
  });
});

describe('@openai/agents (openai-agents.mjs)', () => {
  test('an agent runs its tool and returns the model\'s final text', async () => {
    expect(await runClient('openai-agents.mjs', 'agentTool', 'tools')).toEqual({
      text: tools.answer, calls: PARIS, items: ['reasoning_item', 'tool_call_item', 'tool_call_output_item', 'message_output_item'],
    });
  });
  test('a streamed run: the text stream adds up to the final output', async () => {
    expect(await runClient('openai-agents.mjs', 'agentStream', 'text')).toEqual({ text: text.answer, deltas: text.answer });
  });
});

describe('ai with @ai-sdk/openai and @ai-sdk/openai-compatible (vercel-ai.mjs)', () => {
  test('openai(model), the Responses API: generateText', async () => {
    expect(await runClient('vercel-ai.mjs', 'responsesText', 'text')).toMatchObject({ text: text.answer, finish: 'stop' });
  });
  test('openai(model): streamText', async () => {
    expect(await runClient('vercel-ai.mjs', 'responsesStream', 'text')).toMatchObject({ text: text.answer, deltas: text.answer });
  });
  test('openai(model): a tool round trip with stopWhen', async () => {
    expect(await runClient('vercel-ai.mjs', 'responsesTools', 'tools')).toEqual({
      text: tools.answer, calls: PARIS, call: { name: 'get_weather', input: PARIS[0] }, steps: 2,
    });
  });
  test('openai(model), two turns: by default the provider references its stored answer (400 saying so); store: false works', async () => {
    const result = await runClient('vercel-ai.mjs', 'responsesTwoTurns', 'text');
    expect(result.byDefault.status).toBe(400);
    expect(result.byDefault.message).toMatch(/stores nothing between requests.*store to false/);
    expect(result.storeFalse).toEqual({ text: text.answer });
  });
  test('openai.chat(model): generateText (this provider does not read reasoning_content)', async () => {
    expect(await runClient('vercel-ai.mjs', 'chatText', 'text')).toEqual({ text: text.answer, finish: 'stop' });
  });
  test('openai.chat(model): a tool round trip', async () => {
    expect(await runClient('vercel-ai.mjs', 'chatTools', 'tools')).toEqual({
      text: tools.answer, calls: PARIS, call: { name: 'get_weather', input: PARIS[0] }, steps: 2,
    });
  });
  test('openai.chat(model): a zod tool with a .nullable().optional() field, toolChoice required', async () => {
    expect(await runClient('vercel-ai.mjs', 'chatOptionalField', 'unitTools')).toEqual({
      call: { name: 'get_weather', input: { city: 'Paris', unit: null } }, calls: [{ city: 'Paris', unit: null }], finish: 'tool-calls',
    });
  });
  test('@ai-sdk/openai-compatible: streamText, with the reasoning', async () => {
    expect(await runClient('vercel-ai.mjs', 'compatibleStream', 'text')).toEqual({ text: text.answer, deltas: text.answer, reasoning: text.reasoning });
  });
  test('@ai-sdk/openai-compatible: a tool round trip', async () => {
    expect(await runClient('vercel-ai.mjs', 'compatibleTools', 'tools')).toEqual({
      text: tools.answer, calls: PARIS, call: { name: 'get_weather', input: PARIS[0] }, steps: 2,
    });
  });
});

describe('@langchain/openai (langchain.mjs)', () => {
  test('invoke', async () => {
    expect(await runClient('langchain.mjs', 'invoke', 'text')).toEqual({ text: text.answer });
  });
  test('bindTools: the call, then the answer after the ToolMessage', async () => {
    expect(await runClient('langchain.mjs', 'bindTools', 'tools')).toEqual({ call: { name: 'get_weather', args: PARIS[0] }, calls: PARIS, text: tools.answer });
  });
  test('withStructuredOutput (json_schema): exactly the scripted object, valid for the zod schema', async () => {
    expect(await runClient('langchain.mjs', 'structuredOutput', 'json')).toEqual({ value: WEATHER_JSON, valid: true });
  });
});

/** node-llama-cpp's own vectors for the texts a scenario embedded, at unit length, and their token counts. */
function reference(texts: readonly string[]): { vectors: number[][]; tokens: number } {
  const [result] = runNodeLlama({ modelPath: embedding.path, checks: [{ op: 'embed', inputs: texts }] });
  return { vectors: (result.vectors as number[][]).map(normalize), tokens: (result.lengths as number[]).reduce((sum, n) => sum + n, 0) };
}

/** Each client's vectors are the model's (float32 on the wire: within 1e-6 of the double-precision reference). */
function expectVectors(actual: number[][], expected: number[][]): void {
  expect(actual).toHaveLength(expected.length);
  actual.forEach((vector, index) => expect(maxDifference(vector, expected[index])).toBeLessThan(1e-6));
}

describe('embeddings: openai, ai and @langchain/openai', () => {
  test('openai embeddings.create (base64, decoded by the SDK): the vectors in order, usage', async () => {
    const result = await runClient('openai-sdk.mjs', 'embeddings', 'embedding');
    const expected = reference(result.texts);
    expectVectors(result.vectors, expected.vectors);
    expect(result.indexes).toEqual([0, 1, 2]);
    expect(result.usage).toEqual({ prompt_tokens: expected.tokens, total_tokens: expected.tokens });
  });
  test('openai embeddings.create with encoding_format float and dimensions', async () => {
    const result = await runClient('openai-sdk.mjs', 'embeddingsFloatDimensions', 'embedding');
    expectVectors(result.vectors, [normalize(reference(result.texts).vectors[0].slice(0, 8))]);
  });
  test('ai embedMany and embed with @ai-sdk/openai\'s openai.embedding(model)', async () => {
    const many = await runClient('vercel-ai.mjs', 'embedMany', 'embedding');
    const expected = reference(many.texts);
    expectVectors(many.vectors, expected.vectors);
    expect(many.tokens).toBe(expected.tokens);
    const one = await runClient('vercel-ai.mjs', 'embed', 'embedding');
    expectVectors(one.vectors, [expected.vectors[0]]);
  });
  test('@langchain/openai OpenAIEmbeddings: embedDocuments and embedQuery', async () => {
    const result = await runClient('langchain.mjs', 'embeddings', 'embedding');
    const expected = reference(result.texts);
    expectVectors(result.vectors, expected.vectors);
    expectVectors([result.query], [expected.vectors[0]]);
  });
});

test('README\'s Clients table names exactly the versions this matrix runs (package.json pins them)', () => {
  const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('### Clients'), readme.indexOf('\n#', readme.indexOf('### Clients') + 1));
  const devDependencies: Record<string, string> = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).devDependencies;
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));
  expect(rows.length).toBeGreaterThanOrEqual(5);
  for (const row of rows) {
    const [clients, versions] = row.split('|').slice(1, 3);
    const names = [...clients.matchAll(/`([^`]+)`/g)].map((match) => match[1]);
    expect(names.map((name) => devDependencies[name])).toEqual(versions.split('+').map((version) => version.trim()));
  }
});
