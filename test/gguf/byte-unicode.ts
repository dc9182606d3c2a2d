/**
 * GPT-2's reversible byte <-> unicode mapping, used by every gpt2-style BPE vocabulary (Qwen2 and
 * DeepSeek-R1-Distill included): token texts are stored with each byte replaced by a printable
 * character, so a space is stored as "Ġ" and a newline as "Ċ".
 */

function buildByteToChar(): string[] {
  const printable: number[] = [];
  const addRange = (from: number, to: number) => {
    for (let b = from; b <= to; b++) printable.push(b);
  };
  addRange(0x21, 0x7e);
  addRange(0xa1, 0xac);
  addRange(0xae, 0xff);
  const map: string[] = new Array(256);
  for (const b of printable) map[b] = String.fromCodePoint(b);
  let next = 0;
  for (let b = 0; b < 256; b++) {
    if (map[b] === undefined) {
      map[b] = String.fromCodePoint(256 + next);
      next++;
    }
  }
  return map;
}

/** BYTE_TO_CHAR[b] is the character that stands for byte b inside a stored token text. */
export const BYTE_TO_CHAR: readonly string[] = buildByteToChar();

const CHAR_TO_BYTE = new Map<string, number>(BYTE_TO_CHAR.map((c, b) => [c, b]));

/** Raw text -> stored (byte-level) token text. */
export function toByteLevel(text: string): string {
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) out += BYTE_TO_CHAR[b];
  return out;
}

/** Stored (byte-level) token text -> raw text. Throws on characters outside the mapping. */
export function fromByteLevel(stored: string): string {
  const bytes: number[] = [];
  for (const c of stored) {
    const b = CHAR_TO_BYTE.get(c);
    if (b === undefined) throw new Error(`character ${JSON.stringify(c)} is not part of the byte-level alphabet`);
    bytes.push(b);
  }
  return Buffer.from(bytes).toString('utf8');
}
