import type { LlamaModel, Token } from 'node-llama-cpp';

/**
 * Tokens whose bytes are not whole UTF-8 characters on their own: byte-fallback pieces of a character
 * (`<0xE6>`), and byte sequences no UTF-8 text contains. llama.cpp's grammar decodes a character split
 * across tokens without checking it is well formed (an overlong `E0 80 A2` reads as `"`), while the text
 * a client gets decodes each bad byte as U+FFFD: the grammar would count one character where the client
 * counts three, or see a quote that is not there. Banned while a grammar or function call constrains the
 * answer, every token is whole characters and both sides read the same text. The cost: a character the
 * vocabulary only has as byte pieces (rare in large vocabularies) cannot be written in such answers.
 */
export function partialCharacterTokens(model: LlamaModel, vocabularySize: number): Token[] {
  const partial: Token[] = [];
  for (let id = 0; id < vocabularySize; id++) {
    // The native detokenizer turns bytes that are not whole UTF-8 into U+FFFD.
    if (model.detokenize([id as Token], false).includes('\uFFFD')) partial.push(id as Token);
  }
  return partial;
}
