/**
 * The tiny random-weights model (test/gguf `tiny`) picks among hundreds of word tokens, so a string, an array
 * or an object it writes under a grammar rarely ends before max_tokens. A logit_bias on the one-byte tokens
 * that close them (`"`, `]`, `}`) keeps answers short; the grammar still decides where each is allowed.
 */
import { buildVocabulary } from '../../gguf/vocabulary';

export function closingTokenBias(bias = 4): Record<string, number> {
  const { tokens } = buildVocabulary();
  return Object.fromEntries(['"', ']', '}'].map((text) => {
    const id = tokens.indexOf(text);
    if (id < 0) throw new Error(`the tiny vocabulary has no token ${JSON.stringify(text)}`);
    return [String(id), bias];
  }));
}
