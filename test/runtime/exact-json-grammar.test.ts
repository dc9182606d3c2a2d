/**
 * The grammar rewrite hooked into node-llama-cpp's private grammar constructor (runtime/src/engine/
 * exact-json-grammar.ts), on a Llama started as the server starts it. If a node-llama-cpp upgrade moves the
 * constructor or renames the rules, these fail instead of the server silently writing `1e5` for an integer
 * again. The schemas here are already in node-llama-cpp's subset, so the normaliser leaves them as they are.
 */
import { SchemaLab } from './json-schema/lab';

const lab = new SchemaLab();
afterAll(() => lab.stop());

async function accepted(schema: unknown, texts: string[]): Promise<boolean[]> {
  const [result] = await lab.run([{ schema, texts }]);
  expect(result.error).toBeUndefined();
  return result.texts!.map((each) => each.grammar);
}

test('integers without exponent and with at most 15 digits; numbers with at most a 2-digit exponent', async () => {
  expect(await accepted({ type: 'integer' }, ['15', '-0', '999999999999999', '1e5', '3e-7', '1234567890123456']))
    .toEqual([true, true, true, false, false, false]);
  expect(await accepted({ type: 'number' }, ['1.5', '-2.5E-07', '1e99', '1e100', '1e999'])).toEqual([true, true, true, false, false]);
});

test('bounded strings: Basic Multilingual Plane characters only, so code points, UTF-16 units and grammar characters agree', async () => {
  const texts = ['{"s": "ab"}', '{"s": "日本"}', String.raw`{"s": "\u00e9\n"}`, '{"s": "😀"}', String.raw`{"s": "\ud83d\ude00"}`, '{"s": "abc"}'];
  expect(await accepted({ type: 'object', properties: { s: { type: 'string', maxLength: 2 } } }, texts)).toEqual([true, true, true, false, false, false]);
  // Unbounded strings keep every character: no count to disagree on.
  expect(await accepted({ type: 'object', properties: { s: { type: 'string' } } }, ['{"s": "😀"}'])).toEqual([true]);
});

test('dates: the days of each month and leap years (node-llama-cpp alone allows February 31st)', async () => {
  const texts = ['2024-02-29', '2000-02-29', '2023-02-29', '1900-02-29', '2023-02-31', '2023-06-31'].map((date) => `{"d": "${date}"}`);
  expect(await accepted({ type: 'object', properties: { d: { type: 'string', format: 'date' } } }, texts)).toEqual([true, true, false, false, false, false]);
});
