/** The generated GGUF files the runtime tests serve (cached across test files by test/gguf). */
import { ensureModel, PoolingType } from '../gguf';

/** Greedy decoding answers every chat with exactly this reasoning and this answer. */
export const scriptedModel = () => ensureModel('scripted', {
  reasoning: 'Let me think about it carefully.',
  answer: 'The answer is forty two.',
});

/** Never stops by itself: every generation runs until something cuts it. */
export const endlessModel = () => ensureModel('scripted', {
  reasoning: 'Thinking.',
  answer: 'again and again',
  endless: true,
});

/** Random weights: loads fastest, generates noise; for tests that only need a working model. */
export const tinyModel = () => ensureModel('tiny');

/** The call the tool model makes, and what its arguments are as compact JSON. */
export const WEATHER_CALL = { name: 'get_weather', arguments: '{"city":"Paris"}' };

/**
 * Calls get_weather({"city": "Paris"}) in DeepSeek-R1's function-call syntax as node-llama-cpp 3.21.1's
 * DeepSeekChatWrapper writes it ("r1-workaround": `<function=NAME>PARAMS</function>`). The model emits the
 * call prefix as one token; node-llama-cpp then re-renders the call so far before each part it constrains,
 * so each part follows the last token of that rendering: `=` (end of the prefix) leads to the name with
 * the newline that ends it, `>` (the params prefix) to the parameters as its JSON grammar prints them and
 * the blank lines that end them. Once a function result ends its prompt, it answers in text.
 */
export const toolModel = () => ensureModel('scripted', {
  reasoning: 'I should look it up.',
  answer: 'It is sunny in Paris.',
  toolCall: ['<function=', '=', 'get_weather\n', '>', '{\n\t"city": "Paris"\n}', '\n\n\n\n'],
});

/** A template node-llama-cpp knows no function-call syntax for (it resolves JinjaTemplateChatWrapper without one). */
export const noToolsTemplateModel = () => ensureModel('tiny', {
  chatTemplate: "{% for message in messages %}{{ message['role'] + ': ' + message['content'] + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ 'assistant: ' }}{% endif %}",
});

/** Answers with HTML markup and a fenced code block: the web page must show these characters, never run them. */
export const markupModel = () => ensureModel('scripted', {
  reasoning: 'The user wants <b>markup</b> back.',
  answer: 'Here: <img src=x onerror="window.__injected=1"> and <b>bold</b>\n```html\n<script>window.__injected=2</script>\n```\nDone.',
});

/** A realistic short exchange with a code block, for the web page's screenshot. */
export const codeAnswerModel = () => ensureModel('scripted', {
  reasoning: 'The user asks how to reverse a string in JavaScript. Spreading into an array of characters keeps emoji intact; reverse, then join.',
  answer: 'Spread the text into characters, reverse that array, then join:\n```js\nconst reversed = [...text].reverse().join(\'\');\n```\nSpreading (rather than split) keeps emoji (surrogate pairs) whole.',
});

/** The weather as node-llama-cpp's JSON grammar prints it (tab-indented): the structured output a schema asks for. */
export const WEATHER_JSON = { city: 'Paris', celsius: 21, sunny: true };

/**
 * Answers with WEATHER_JSON, token for token as the grammar of a json_schema response format allows it, and without
 * a thought segment (the grammar allows none): structured output a client can check exactly.
 */
export const jsonModel = () => ensureModel('scripted', {
  reasoning: '',
  withoutThinking: true,
  answer: '{\n\t"city": "Paris",\n\t"celsius": 21,\n\t"sunny": true\n}',
});

/** get_weather with an optional unit, as a zod `.nullable().optional()` field is written: the model writes it as null. */
export const WEATHER_UNIT_CALL = { name: 'get_weather', arguments: '{"city":"Paris","unit":null}' };

/** Calls get_weather({"city": "Paris", "unit": null}), written as the grammar of a two-field schema prints it. */
export const weatherUnitModel = () => ensureModel('scripted', {
  reasoning: 'I should look it up.',
  answer: 'It is sunny in Paris.',
  toolCall: ['<function=', '=', 'get_weather\n', '>', '{\n\t"city": "Paris",\n\t"unit": null\n}', '\n\n\n\n'],
});

/** What the person tool model saves: pydantic's Person (test/runtime/json-schema/pydantic/nested-models.json). */
export const PERSON = {
  home: { street: 'Rue de Rivoli', zip: '75001' },
  work: { street: 'Quai Branly', zip: '75007' },
  favourite: 'blue',
  items: [{ name: 'umbrella', qty: 1 }],
  mode: 'fast',
  version: 2,
  backup: null,
};

/**
 * Calls save_person with PERSON, written as node-llama-cpp's grammar prints that schema (nested models through
 * `$ref` on one line each), then answers once the result is in.
 */
export const personModel = () => ensureModel('scripted', {
  reasoning: 'I will save this person.',
  answer: 'Saved.',
  toolCall: ['<function=', '=', 'save_person\n', '>',
    '{\n\t"home": {"street": "Rue de Rivoli", "zip": "75001"},\n\t"work": {"street": "Quai Branly", "zip": "75007"},\n\t"favourite": "blue",\n' +
    '\t"items": [{"name": "umbrella", "qty": 1}],\n\t"mode": "fast",\n\t"version": 2,\n\t"backup": null\n}', '\n\n\n\n'],
});

/**
 * A decoder embedding model like Qwen3-Embedding (random weights): last-token pooling, EOS appended to every
 * input. Its vectors are whatever node-llama-cpp computes; the tests compare the server with that.
 */
export const embeddingModel = () => ensureModel('tiny', { poolingType: PoolingType.LAST, addEosToken: true });

/** Mean pooling: the vector averages every token, so an input must be evaluated in one batch. */
export const meanPoolingModel = () => ensureModel('tiny', { poolingType: PoolingType.MEAN, seed: 2 });
