/**
 * Assembles a DeepSeek-R1-Distill-Qwen-style gpt2 BPE vocabulary: the 256 byte tokens (so any text
 * tokenizes), whole-word tokens with the merges that produce them, optional filler tokens up to a
 * fixed size, and the DeepSeek special tokens.
 */
import { BpeEncoder, preTokenize } from './bpe-encoder';
import { trainMerges } from './bpe-trainer';
import { BYTE_TO_CHAR, fromByteLevel, toByteLevel } from './byte-unicode';
import { ASSISTANT, BOS, EOS, REAL_FIRST_SPECIAL_ID, SPECIAL_TOKENS, THINK, THINK_END, TokenType, USER } from './special-tokens';

/** Everyday words (with GPT-style leading spaces) so common prompts tokenize into whole words. */
export const COMMON_WORDS: readonly string[] = (
  'the be to of and a in that have I it for not on with he as you do at this but his by from they we say her she or an ' +
  'will my one all would there their what so up out if about who get which go me when make can like time no just him know ' +
  'take people into year your good some could them see other than then now look only come its over think also back after ' +
  'use two how our work first well way even new want because any these give day most us is are was were been has had ' +
  'hello hi please thanks thank yes question answer tell explain write story short long word words sentence once upon ' +
  'world user assistant help today model test name number count list why where'
)
  .split(' ')
  .flatMap((w) => [w, ` ${w}`, ` ${w[0].toUpperCase()}${w.slice(1)}`, `${w[0].toUpperCase()}${w.slice(1)}`]);

export interface VocabularyOptions {
  /** Raw texts that must each be one token. Texts the pre-tokenizer keeps whole also get merges. */
  readonly words?: readonly string[];
  /** Total number of tokens; filler tokens fill the gap. Default: no filler. */
  readonly size?: number;
}

export interface Vocabulary {
  /** Stored token texts by id (byte-level for normal tokens, verbatim for special ones). */
  readonly tokens: readonly string[];
  readonly types: readonly number[];
  readonly merges: readonly string[];
  readonly bosId: number;
  readonly eosId: number;
  readonly userId: number;
  readonly assistantId: number;
  readonly thinkId: number;
  readonly thinkEndId: number;
  readonly encoder: BpeEncoder;
  /** Id of the token whose rendered text is exactly `text`, if any. */
  idOf(text: string): number | undefined;
  /** Rendered text of a token (what node-llama-cpp's detokenizer prints for it). */
  textOf(id: number): string;
}

export function buildVocabulary(opts: VocabularyOptions = {}): Vocabulary {
  const words = [...COMMON_WORDS, ...(opts.words ?? [])];
  const specialTexts = new Set(SPECIAL_TOKENS.map((s) => s.text));
  for (const w of words) {
    if (w === '') throw new Error('a vocabulary word must not be empty');
    for (const s of specialTexts) {
      if (w.includes(s)) throw new Error(`word ${JSON.stringify(w)} contains the special token ${s}`);
    }
  }
  const mergeable = words.filter((w) => {
    const chunks = preTokenize(w);
    return chunks.length === 1 && chunks[0] === w;
  });
  const { merges, created } = trainMerges(mergeable.map(toByteLevel));

  const tokens: string[] = [...BYTE_TO_CHAR];
  const types: number[] = tokens.map(() => TokenType.NORMAL);
  const known = new Set(tokens);
  const addNormal = (stored: string) => {
    if (known.has(stored)) return;
    known.add(stored);
    tokens.push(stored);
    types.push(TokenType.NORMAL);
  };
  created.forEach(addNormal);
  words.map(toByteLevel).forEach(addNormal);

  const size = opts.size ?? 0;
  const specialsAt = size >= REAL_FIRST_SPECIAL_ID + SPECIAL_TOKENS.length ? REAL_FIRST_SPECIAL_ID : tokens.length;
  let fillerIndex = 0;
  const addFiller = () => {
    for (;;) {
      const stored = toByteLevel(` zz${(fillerIndex++).toString(36)}`);
      if (!known.has(stored)) {
        addNormal(stored);
        return;
      }
    }
  };
  if (specialsAt < tokens.length) throw new Error('vocabulary words overflow into the special-token ids');
  while (tokens.length < specialsAt) addFiller();
  for (const s of SPECIAL_TOKENS) {
    tokens.push(s.text);
    types.push(s.type);
    known.add(s.text);
  }
  if (size > 0 && size < tokens.length) throw new Error(`vocabulary needs ${tokens.length} tokens, more than size ${size}`);
  while (tokens.length < size) addFiller();

  const byStored = new Map<string, number>();
  tokens.forEach((t, id) => byStored.set(t, id));
  const isSpecial = (id: number) => types[id] === TokenType.CONTROL || types[id] === TokenType.USER_DEFINED;
  const idOfSpecial = (text: string) => byStored.get(text) as number;
  const encoder = new BpeEncoder({ tokens, types, merges });

  for (const w of mergeable) {
    const ids = encoder.encode(w);
    if (ids.length !== 1) throw new Error(`internal: word ${JSON.stringify(w)} does not tokenize as one token`);
  }

  return {
    tokens,
    types,
    merges,
    bosId: idOfSpecial(BOS),
    eosId: idOfSpecial(EOS),
    userId: idOfSpecial(USER),
    assistantId: idOfSpecial(ASSISTANT),
    thinkId: idOfSpecial(THINK),
    thinkEndId: idOfSpecial(THINK_END),
    encoder,
    idOf: (text) => (specialTexts.has(text) ? byStored.get(text) : byStored.get(toByteLevel(text))),
    textOf: (id) => (isSpecial(id) ? tokens[id] : fromByteLevel(tokens[id])),
  };
}
