/**
 * Learns BPE merges from a word list until every word is one symbol, so each listed word tokenizes
 * as exactly one token. Symbols are characters of the byte-level (GPT-2 mapped) text.
 */

export interface TrainedMerges {
  /** "left right" pairs, lowest rank first, as GGUF `tokenizer.ggml.merges` stores them. */
  readonly merges: string[];
  /** Every symbol a merge created, in creation order. */
  readonly created: string[];
}

export function trainMerges(byteLevelWords: readonly string[]): TrainedMerges {
  const words = [...new Set(byteLevelWords)].map((w) => Array.from(w)).filter((w) => w.length > 1);
  const merges: string[] = [];
  const created: string[] = [];
  const seenCreated = new Set<string>();
  for (;;) {
    const counts = new Map<string, number>();
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) {
        const key = `${w[i]} ${w[i + 1]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
    }
    if (counts.size === 0) break;
    let best = '';
    let bestCount = 0;
    for (const [key, count] of counts) {
      if (count > bestCount || (count === bestCount && key < best)) {
        best = key;
        bestCount = count;
      }
    }
    const [left, right] = best.split(' ');
    const joined = left + right;
    merges.push(best);
    if (!seenCreated.has(joined)) {
      seenCreated.add(joined);
      created.push(joined);
    }
    for (let k = 0; k < words.length; k++) {
      const w = words[k];
      const out: string[] = [];
      for (let i = 0; i < w.length; i++) {
        if (i + 1 < w.length && w[i] === left && w[i + 1] === right) {
          out.push(joined);
          i++;
        } else {out.push(w[i]);}
      }
      words[k] = out;
    }
    for (let k = words.length - 1; k >= 0; k--) if (words[k].length < 2) words.splice(k, 1);
  }
  return { merges, created };
}
