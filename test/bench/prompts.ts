/**
 * Benchmark prompts: one word list, rotated so each request starts differently. The server keeps its KV
 * cache between requests and reuses any shared prefix (node-llama-cpp's adaptStateToTokens), so sending
 * the identical prompt twice would measure a cache hit instead of prompt processing. Rotations keep the
 * same words, so every prompt has (almost exactly) the same token count.
 */
const WORDS = (
  'the river carried small boats past the old mill while children counted clouds above green hills ' +
  'and farmers walked slowly home along narrow roads lined with stone walls and tall quiet trees ' +
  'a baker opened her shop before dawn to warm the ovens and shape bread for the market square ' +
  'where traders from distant towns arrived with wool spices copper pots and stories of the sea ' +
  'every evening the lamplighter climbed his ladder on each corner so travellers could find the inn ' +
  'and rest beside a fire that never seemed to fade until the first birds sang again at morning light'
).split(' ');

/** Prompt number `index` of the run: a rotation of the word list by a stride that avoids shared prefixes. */
export function benchmarkPrompt(index: number, words = WORDS.length): string {
  const list = WORDS.slice(0, Math.min(words, WORDS.length));
  const shift = (index * 7) % list.length;
  return [...list.slice(shift), ...list.slice(0, shift)].join(' ');
}

/** A short prompt for the untimed warm-up request each process gets before measuring. */
export const WARM_UP_PROMPT = 'warm up the caches';
