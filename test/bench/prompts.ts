/**
 * Benchmark prompts: one text, rotated so each request starts differently. The server keeps its KV cache
 * between requests and reuses any shared prefix (node-llama-cpp's adaptStateToTokens), so sending the
 * identical prompt twice would measure a cache hit instead of prompt processing. Rotations keep the same
 * words, so every prompt has (almost exactly) the same token count. The words all come from the generated
 * model's vocabulary (test/gguf/vocabulary.ts), so each is one token, as English words are for the real
 * model: about 136 prompt tokens, a short chat question with a little context.
 */
const TEXT =
  'once upon a time there was a model that would think about any question a user could have and the people ' +
  'of the world would come to it with a new question day after day so the model would take the question and ' +
  'think about it well and then write an answer that was short or long as they want and when the user would ' +
  'say please explain it or tell me a story about the first year of the world the model would make one up and ' +
  'give it back to them because that was its work and they would thank it and look at the answer and think ' +
  'about what they could say to the model the other day and so the people and the model would work well for a long time';

const WORDS = TEXT.split(' ');

/** Prompt number `index` of the run: the text rotated by a stride that keeps prompts from sharing prefixes. */
export function benchmarkPrompt(index: number): string {
  const shift = (index * 7) % WORDS.length;
  return [...WORDS.slice(shift), ...WORDS.slice(0, shift)].join(' ');
}

/** A short prompt for the untimed warm-up request each process gets before measuring. */
export const WARM_UP_PROMPT = 'hello model please write a short story';
