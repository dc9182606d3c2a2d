/**
 * DeepSeek-R1-Distill-Qwen's added tokens. Types follow llama.cpp's converter: tokens marked special,
 * or that look special (`<|…|>`, `<｜…｜>`), are CONTROL (never matched in plain text, not rendered
 * unless asked); `<think>`/`</think>` are USER_DEFINED (always matched, rendered as plain text).
 */

/** GGUF `tokenizer.ggml.token_type` values (llama.cpp's llama_token_type). */
export enum TokenType {
  NORMAL = 1,
  UNKNOWN = 2,
  CONTROL = 3,
  USER_DEFINED = 4,
  UNUSED = 5,
  BYTE = 6,
}

export const BOS = '<｜begin▁of▁sentence｜>';
export const EOS = '<｜end▁of▁sentence｜>';
export const USER = '<｜User｜>';
export const ASSISTANT = '<｜Assistant｜>';
export const EOT = '<|EOT|>';
export const THINK = '<think>';
export const THINK_END = '</think>';

/** In the real vocabulary's order (ids 151643..151649 there). */
export const SPECIAL_TOKENS: ReadonlyArray<{ readonly text: string; readonly type: TokenType }> = [
  { text: EOS, type: TokenType.CONTROL },
  { text: USER, type: TokenType.CONTROL },
  { text: ASSISTANT, type: TokenType.CONTROL },
  { text: BOS, type: TokenType.CONTROL },
  { text: EOT, type: TokenType.CONTROL },
  { text: THINK, type: TokenType.USER_DEFINED },
  { text: THINK_END, type: TokenType.USER_DEFINED },
];

/** Where the real DeepSeek-R1-Distill-Qwen vocabulary puts its first added token. */
export const REAL_FIRST_SPECIAL_ID = 151643;
