/**
 * The Vercel AI SDK (`ai`) with its OpenAI provider (`@ai-sdk/openai`: `openai(model)` speaks the Responses API,
 * `openai.chat(model)` chat completions) and its OpenAI-compatible provider (`@ai-sdk/openai-compatible`).
 */
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { embed, embedMany, generateText, isStepCount, streamText, tool } from 'ai';
import { z } from 'zod';
import { EMBEDDING_TEXTS, print, weather } from './scenario.mjs';

const baseURL = `${process.env.BASE_URL}/v1`;
const apiKey = process.env.API_KEY ?? 'unused';
const openai = createOpenAI({ baseURL, apiKey });
const compatible = createOpenAICompatible({ name: 'llm-function-url', baseURL, apiKey });
const id = process.env.MODEL_ID;

/** get_weather as the AI SDK declares tools: a zod schema and an execute function. */
function weatherTool(calls, inputSchema = z.object({ city: z.string() })) {
  return tool({ description: 'The weather in a city', inputSchema, execute: async (args) => weather(args, calls) });
}

/** Asks, lets the SDK run the tool, and returns what the model said after the tool's result. */
async function toolRoundTrip(model) {
  const calls = [];
  const result = await generateText({
    model, temperature: 0, prompt: 'What is the weather in Paris?', tools: { get_weather: weatherTool(calls) }, stopWhen: isStepCount(3),
  });
  const call = result.steps[0].toolCalls[0];
  return { text: result.text, calls, call: { name: call?.toolName, input: call?.input }, steps: result.steps.length };
}

async function streamed(model) {
  const result = streamText({ model, temperature: 0, prompt: 'Hello' });
  let deltas = '';
  for await (const delta of result.textStream) deltas += delta;
  return { text: await result.text, deltas, reasoning: await result.reasoningText };
}

const scenarios = {
  embedMany: async () => {
    const result = await embedMany({ model: openai.embedding(id), values: EMBEDDING_TEXTS, maxRetries: 0 });
    return { texts: EMBEDDING_TEXTS, vectors: result.embeddings, tokens: result.usage.tokens };
  },
  embed: async () => {
    const result = await embed({ model: openai.embedding(id), value: EMBEDDING_TEXTS[0], maxRetries: 0 });
    return { texts: [EMBEDDING_TEXTS[0]], vectors: [result.embedding] };
  },
  responsesText: async () => {
    const result = await generateText({ model: openai(id), temperature: 0, prompt: 'Hello' });
    return { text: result.text, reasoning: result.reasoningText, finish: result.finishReason };
  },
  responsesStream: () => streamed(openai(id)),
  responsesTools: () => toolRoundTrip(openai(id)),
  chatText: async () => {
    const result = await generateText({ model: openai.chat(id), temperature: 0, prompt: 'Hello' });
    return { text: result.text, reasoning: result.reasoningText, finish: result.finishReason };
  },
  chatTools: () => toolRoundTrip(openai.chat(id)),
  /** A zod field written `.nullable().optional()` (JSON Schema anyOf with null, left out of required), call forced. */
  chatOptionalField: async () => {
    const calls = [];
    const inputSchema = z.object({ city: z.string(), unit: z.enum(['celsius', 'fahrenheit']).nullable().optional() });
    const result = await generateText({
      model: openai.chat(id), temperature: 0, prompt: 'What is the weather in Paris?',
      tools: { get_weather: weatherTool(calls, inputSchema) }, toolChoice: 'required', stopWhen: isStepCount(1),
    });
    const call = result.toolCalls[0];
    return { call: { name: call?.toolName, input: call?.input }, calls, finish: result.finishReason };
  },
  /**
   * Two turns, the second carrying the first's messages back. The provider stores responses by default and then
   * sends only a reference to the earlier answer, which a stateless server cannot resolve; `store: false` sends it.
   */
  responsesTwoTurns: async () => {
    const turn = async (messages, providerOptions) => generateText({ model: openai(id), temperature: 0, messages, providerOptions });
    const question = [{ role: 'user', content: 'Hello' }];
    const attempt = async (providerOptions) => {
      const first = await turn(question, providerOptions);
      try {
        const second = await turn([...question, ...first.response.messages, { role: 'user', content: 'Again?' }], providerOptions);
        return { text: second.text };
      } catch (error) {
        return { status: error.statusCode, message: JSON.parse(error.responseBody ?? '{}').error?.message };
      }
    };
    return { byDefault: await attempt(undefined), storeFalse: await attempt({ openai: { store: false } }) };
  },
  compatibleStream: () => streamed(compatible(id)),
  compatibleTools: () => toolRoundTrip(compatible(id)),
};

await print(scenarios);
