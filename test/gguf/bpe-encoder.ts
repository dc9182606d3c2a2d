/**
 * A model of llama.cpp's gpt2-style BPE tokenizer for the `qwen2`/`deepseek-r1-qwen` pre-tokenizer,
 * used to predict how node-llama-cpp tokenizes a prompt (the scripted model's continuation depends on
 * a prompt's last token). Steps, as in llama.cpp: split out special tokens (user-defined ones always,
 * control ones only when parsing specials), split the rest with the pre-tokenizer regex, then merge
 * each chunk's byte-level characters by lowest merge rank (leftmost first on ties).
 */
import { toByteLevel } from './byte-unicode';
import { TokenType } from './special-tokens';

/** The Qwen2 pre-tokenizer regex (from its tokenizer.json), in JavaScript syntax. */
export const QWEN2_PRETOKENIZER =
  /(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+/gu;

export function preTokenize(text: string): string[] {
  return text.match(QWEN2_PRETOKENIZER) ?? [];
}

export interface EncoderVocabulary {
  /** Stored token texts (byte-level for normal tokens), by id. */
  readonly tokens: readonly string[];
  readonly types: readonly number[];
  readonly merges: readonly string[];
}

export class BpeEncoder {
  private readonly idOf = new Map<string, number>();
  private readonly ranks = new Map<string, number>();
  private readonly specials: Array<{ text: string; id: number; control: boolean }> = [];

  constructor(vocab: EncoderVocabulary) {
    vocab.tokens.forEach((t, id) => this.idOf.set(t, id));
    vocab.merges.forEach((m, rank) => {
      if (!this.ranks.has(m)) this.ranks.set(m, rank);
    });
    vocab.tokens.forEach((text, id) => {
      const type = vocab.types[id];
      if (type === TokenType.CONTROL || type === TokenType.USER_DEFINED) {
        this.specials.push({ text, id, control: type === TokenType.CONTROL });
      }
    });
    // llama.cpp tries longer special tokens first
    this.specials.sort((a, b) => b.text.length - a.text.length);
  }

  encode(text: string, opts: { parseSpecial?: boolean } = {}): number[] {
    const out: number[] = [];
    for (const part of this.partition(text, opts.parseSpecial ?? false)) {
      if (typeof part === 'number') out.push(part);
      else for (const chunk of preTokenize(part)) out.push(...this.encodeChunk(chunk));
    }
    return out;
  }

  private partition(text: string, parseSpecial: boolean): Array<string | number> {
    let parts: Array<string | number> = [text];
    for (const special of this.specials) {
      if (special.control && !parseSpecial) continue;
      const next: Array<string | number> = [];
      for (const p of parts) {
        if (typeof p === 'number') {
          next.push(p);
          continue;
        }
        const pieces = p.split(special.text);
        pieces.forEach((piece, i) => {
          if (i > 0) next.push(special.id);
          if (piece !== '') next.push(piece);
        });
      }
      parts = next;
    }
    return parts;
  }

  private encodeChunk(chunk: string): number[] {
    const symbols = Array.from(toByteLevel(chunk));
    for (;;) {
      let bestRank = Infinity;
      let bestAt = -1;
      for (let i = 0; i + 1 < symbols.length; i++) {
        const rank = this.ranks.get(`${symbols[i]} ${symbols[i + 1]}`);
        if (rank !== undefined && rank < bestRank) {
          bestRank = rank;
          bestAt = i;
        }
      }
      if (bestAt < 0) break;
      symbols.splice(bestAt, 2, symbols[bestAt] + symbols[bestAt + 1]);
    }
    const ids: number[] = [];
    for (const s of symbols) {
      const id = this.idOf.get(s);
      if (id !== undefined) ids.push(id);
      else for (const c of s) ids.push(this.idOf.get(c) ?? this.missing(c));
    }
    return ids;
  }

  private missing(c: string): never {
    throw new Error(`byte-level symbol ${JSON.stringify(c)} has no token`);
  }
}
