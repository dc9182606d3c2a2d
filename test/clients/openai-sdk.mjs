/** The `openai` npm package: chat completions, runTools, responses.create and responses.stream, embeddings.create. */
import { readFileSync } from 'node:fs';
import OpenAI from 'openai';
import { EMBEDDING_TEXTS, WEATHER_PARAMETERS, print, validator, weather } from './scenario.mjs';

const client = new OpenAI({ baseURL: `${process.env.BASE_URL}/v1`, apiKey: process.env.API_KEY ?? 'unused', maxRetries: 0 });
const model = process.env.MODEL_ID;
const question = 'What is the weather in Paris?';

const scenarios = {
  async chat() {
    const completion = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hello' }], temperature: 0 });
    return { text: completion.choices[0].message.content, finish: completion.choices[0].finish_reason };
  },

  async runTools() {
    const calls = [];
    const runner = client.chat.completions.runTools({
      model,
      messages: [{ role: 'user', content: question }],
      temperature: 0,
      tools: [{ type: 'function', function: { name: 'get_weather', parameters: WEATHER_PARAMETERS, parse: JSON.parse, function: (args) => weather(args, calls) } }],
    });
    return { text: await runner.finalContent(), calls };
  },

  async responsesCreate() {
    const response = await client.responses.create({ model, input: 'Hello', temperature: 0 });
    return {
      text: response.output_text,
      status: response.status,
      types: response.output.map((item) => item.type),
      reasoning: response.output.find((item) => item.type === 'reasoning')?.content?.[0]?.text,
      usage: response.usage,
    };
  },

  async responsesStream() {
    const stream = client.responses.stream({ model, input: 'Hello', temperature: 0 });
    let deltas = '';
    let reasoningDeltas = '';
    const events = [];
    stream.on('event', (event) => events.push(event.type));
    stream.on('response.output_text.delta', (event) => {
      deltas += event.delta;
    });
    stream.on('response.reasoning_text.delta', (event) => {
      reasoningDeltas += event.delta;
    });
    const final = await stream.finalResponse();
    return { text: final.output_text, deltas, reasoningDeltas, status: final.status, first: events[0], last: events.at(-1) };
  },

  /** A function call with the Responses API, its result sent back as a function_call_output item, then the answer. */
  async responsesTools() {
    const tools = [{ type: 'function', name: 'get_weather', description: 'The weather in a city', parameters: WEATHER_PARAMETERS, strict: true }];
    const input = [{ role: 'user', content: question }];
    const first = await client.responses.create({ model, input, tools, temperature: 0 });
    const call = first.output.find((item) => item.type === 'function_call');
    const calls = [];
    const result = weather(JSON.parse(call.arguments), calls);
    const second = await client.responses.create({
      model, tools, temperature: 0,
      input: [...input, ...first.output, { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify(result) }],
    });
    return { call: { name: call.name, arguments: call.arguments }, calls, text: second.output_text, status: second.status };
  },

  /**
   * A tool whose parameters pydantic v2 wrote (test/runtime/json-schema/pydantic/nested-models.json: nested models
   * through $defs and an allOf wrapper, a list of models, an Enum, Literals, an Optional model), the call forced:
   * its arguments must validate against the schema as sent, then the model answers after the result.
   */
  async pydanticTool() {
    const parameters = JSON.parse(readFileSync(new URL('../runtime/json-schema/pydantic/nested-models.json', import.meta.url), 'utf8'));
    const tools = [{ type: 'function', function: { name: 'save_person', parameters } }];
    const messages = [{ role: 'user', content: 'Save this person.' }];
    const first = await client.chat.completions.create({ model, temperature: 0, messages, tools, tool_choice: 'required' });
    const call = first.choices[0].message.tool_calls[0];
    const args = JSON.parse(call.function.arguments);
    const second = await client.chat.completions.create({
      model, temperature: 0, tools,
      messages: [...messages, first.choices[0].message, { role: 'tool', tool_call_id: call.id, content: '{"saved": true}' }],
    });
    return { name: call.function.name, args, errors: validator(parameters)(args), text: second.choices[0].message.content };
  },

  /** The SDK's default: it asks for base64 and decodes the float32 bytes itself. */
  async embeddings() {
    const response = await client.embeddings.create({ model, input: EMBEDDING_TEXTS });
    return { texts: EMBEDDING_TEXTS, vectors: response.data.map((item) => Array.from(item.embedding)), indexes: response.data.map((item) => item.index), usage: response.usage };
  },

  async embeddingsFloatDimensions() {
    const response = await client.embeddings.create({ model, input: EMBEDDING_TEXTS[0], encoding_format: 'float', dimensions: 8 });
    return { texts: [EMBEDDING_TEXTS[0]], vectors: response.data.map((item) => item.embedding) };
  },
};

await print(scenarios);
