/** LangChain's OpenAI models (@langchain/openai): the chat model (bindTools, withStructuredOutput) and OpenAIEmbeddings. */
import { tool } from '@langchain/core/tools';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { z } from 'zod';
import { EMBEDDING_TEXTS, print, weather } from './scenario.mjs';

const chat = new ChatOpenAI({
  model: process.env.MODEL_ID,
  temperature: 0,
  apiKey: process.env.API_KEY ?? 'unused',
  configuration: { baseURL: `${process.env.BASE_URL}/v1` },
  maxRetries: 0,
});

const embeddings = new OpenAIEmbeddings({
  model: process.env.MODEL_ID,
  apiKey: process.env.API_KEY ?? 'unused',
  configuration: { baseURL: `${process.env.BASE_URL}/v1` },
  maxRetries: 0,
});

const scenarios = {
  /** Indexing documents, then embedding a query: the two calls a LangChain vector store makes. */
  async embeddings() {
    const documents = await embeddings.embedDocuments(EMBEDDING_TEXTS);
    const query = await embeddings.embedQuery(EMBEDDING_TEXTS[0]);
    return { texts: EMBEDDING_TEXTS, vectors: documents, query };
  },

  async invoke() {
    const message = await chat.invoke('Hello');
    return { text: message.content };
  },

  /** bindTools with a zod tool: the model's call, the tool's result sent back, then the answer. */
  async bindTools() {
    const calls = [];
    const getWeather = tool(async (args) => JSON.stringify(weather(args, calls)), {
      name: 'get_weather', description: 'The weather in a city', schema: z.object({ city: z.string() }),
    });
    const withTools = chat.bindTools([getWeather]);
    const question = new HumanMessage('What is the weather in Paris?');
    const first = await withTools.invoke([question]);
    const call = first.tool_calls[0];
    const result = await getWeather.invoke(call.args);
    const second = await withTools.invoke([question, first, new ToolMessage({ content: result, tool_call_id: call.id })]);
    return { call: { name: call.name, args: call.args }, calls, text: second.content };
  },

  /** withStructuredOutput: the answer must parse and validate against the zod schema (the client checks it). */
  async structuredOutput() {
    const schema = z.object({ city: z.string(), celsius: z.number().int(), sunny: z.boolean() });
    const structured = chat.withStructuredOutput(schema, { name: 'weather' });
    const value = await structured.invoke('What is the weather in Paris?');
    return { value, valid: schema.safeParse(value).success };
  },
};

await print(scenarios);
