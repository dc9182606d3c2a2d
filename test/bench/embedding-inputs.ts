/**
 * Short inputs for the embeddings benchmark: twelve everyday words (one token each in the generated model's
 * vocabulary, as in a real one) and a number, about 15 tokens with BOS and EOS: a sentence, a title, a search
 * query, the short end of what people embed.
 */
const WORDS = (
  'the people of the world come to the model with a new question day after day and it would think about ' +
  'it well and then write an answer that was short or long as they want'
).split(' ');

export const WORDS_PER_INPUT = 12;

/** Input number `index`: the words rotated so that inputs differ. */
export function shortInput(index: number): string {
  const shift = (index * 5) % WORDS.length;
  return [...WORDS.slice(shift), ...WORDS.slice(0, shift)].slice(0, WORDS_PER_INPUT).join(' ') + ` ${index}`;
}

/** `count` inputs starting at input number `first`. */
export function shortInputs(first: number, count: number): string[] {
  return Array.from({ length: count }, (_, offset) => shortInput(first + offset));
}
