/** The OpenAI Agents SDK (@openai/agents): an agent with one function tool, on its default model API (Responses). */
import { Agent, run, setDefaultOpenAIClient, setTracingDisabled, tool } from '@openai/agents';
import OpenAI from 'openai';
import { z } from 'zod';
import { print, weather } from './scenario.mjs';

// Traces would be exported to OpenAI's servers: not this server's business, and not reachable here.
setTracingDisabled(true);
setDefaultOpenAIClient(new OpenAI({ baseURL: `${process.env.BASE_URL}/v1`, apiKey: process.env.API_KEY ?? 'unused', maxRetries: 0 }));

const scenarios = {
  /** The agent calls get_weather, gets its result and returns the model's final text. */
  async agentTool() {
    const calls = [];
    const getWeather = tool({
      name: 'get_weather',
      description: 'The weather in a city',
      parameters: z.object({ city: z.string() }),
      execute: async (args) => JSON.stringify(weather(args, calls)),
    });
    const agent = new Agent({
      name: 'Weather',
      instructions: 'Answer questions about the weather.',
      model: process.env.MODEL_ID,
      modelSettings: { temperature: 0 },
      tools: [getWeather],
    });
    const result = await run(agent, 'What is the weather in Paris?');
    return { text: result.finalOutput, calls, items: result.newItems.map((item) => item.type) };
  },

  /** Streamed run of an agent without tools: the text deltas add up to the final output. */
  async agentStream() {
    const agent = new Agent({ name: 'Plain', instructions: 'Be brief.', model: process.env.MODEL_ID, modelSettings: { temperature: 0 } });
    const result = await run(agent, 'Hello', { stream: true });
    let deltas = '';
    for await (const event of result.toTextStream()) deltas += event;
    await result.completed;
    return { text: result.finalOutput, deltas };
  },
};

await print(scenarios);
