/**
 * Turns scripted text into the token texts the scripted model emits. Each whitespace-led word
 * (" answer", " 42.", "\nDone") is one token. A token can have only one successor, so a word that
 * occurs again is emitted as a different, unused split of the same text (" the" then " th" + "e"):
 * the text stays exact, the repeat just costs more tokens.
 */
import { SPECIAL_TOKENS } from './special-tokens';

export function splitWords(text: string): string[] {
  for (const s of SPECIAL_TOKENS) {
    if (text.includes(s.text)) throw new Error(`scripted text must not contain the special token ${s.text}`);
  }
  return text.match(/\s*\S+|\s+$/g) ?? [];
}

const MAX_PARTS = 4;

/** Splits of `chars` into `parts` non-empty runs, fewest-first, at code point boundaries. */
function* splits(chars: readonly string[], parts: number, from = 0): Generator<string[]> {
  if (parts === 1) {
    yield [chars.slice(from).join('')];
    return;
  }
  for (let cut = from + 1; cut <= chars.length - parts + 1; cut++) {
    const head = chars.slice(from, cut).join('');
    for (const rest of splits(chars, parts - 1, cut)) yield [head, ...rest];
  }
}

/**
 * Assigns token texts to a sequence of texts so no token text is used twice (`used` holds texts
 * taken already and is updated). Throws when a repeat has no unused split left.
 */
export function uniqueTokenTexts(words: readonly string[], used: Set<string>): string[] {
  const out: string[] = [];
  for (const word of words) {
    const chars = Array.from(word);
    let chosen: string[] | undefined;
    for (let parts = 1; parts <= Math.min(MAX_PARTS, chars.length) && !chosen; parts++) {
      for (const candidate of splits(chars, parts)) {
        if (candidate.every((t) => !used.has(t)) && new Set(candidate).size === candidate.length) {
          chosen = candidate;
          break;
        }
      }
    }
    if (!chosen) {
      throw new Error(
        `scripted model: ${JSON.stringify(word)} repeats too often: every split of it into at most ${MAX_PARTS} ` +
          'tokens is already used, and a token can have only one successor. Vary the wording.',
      );
    }
    chosen.forEach((t) => used.add(t));
    out.push(...chosen);
  }
  return out;
}
