import type { Llama } from 'node-llama-cpp';

/*
 * node-llama-cpp 3.21.1 writes JSON-schema grammars that are looser than JSON Schema and than its own check
 * of function-call arguments:
 * - integer-number-rule allows an exponent (`3e-7` is no integer; `1e999` parses as Infinity) and 16 digits;
 * - fractional-number-rule allows a 16-digit exponent (Infinity again);
 * - bounded strings count code points while its argument check counts UTF-16 units (an emoji is 1 and 2),
 *   and a `\uD83D\uDE00` escape pair counts 2 where JSON Schema counts 1 code point;
 * - its date grammar allows February 31st.
 * There is no public way to change the text it generates (utils/gbnfJson is not exported and the function
 * parameter grammar is built inside LlamaChat), so the text is rewritten where it reaches llama.cpp: the
 * constructor of the native `AddonGrammar`, which `LlamaGrammar` reads from `llama._bindings` for every
 * grammar (response_format schemas and function-call parameters alike). That is private API of the pinned
 * version: test/runtime/exact-json-grammar.test.ts fails if an upgrade makes this hook stop working.
 * The rewrite only touches the rules node-llama-cpp's JSON-schema generator names (gbnfConsts.js), by name.
 */

/** At most 15 digits: every such integer is below 2^53, so zod's ±9007199254740991 bounds always hold. */
const INTEGER = String.raw`"-"? ("0" | [1-9] [0-9]{0,14})`;
/** An exponent of at most two digits keeps every number finite (below 1e116). */
const FRACTIONAL = String.raw`"-"? ("0" | [1-9] [0-9]{0,15}) ("." [0-9]{1,16})? ([eE] [-+]? [0-9]{1,2})?`;

const BMP_CHAR = 'exact-bmp-char-rule';
const DATE = 'exact-date-rule';
const LEAP_YEAR = 'exact-leap-year-rule';
const TIME = 'exact-time-rule';

/**
 * One character of the Basic Multilingual Plane, raw or escaped (no surrogate escapes): one grammar
 * character is then one code point (JSON Schema's count) and one UTF-16 unit (node-llama-cpp's count).
 */
const HELPER_RULES: Readonly<Record<string, string>> = {
  [BMP_CHAR]: String.raw`[^"\\\x7F\x00-\x1F\U00010000-\U0010FFFF] | "\\" ["\\/bfnrt] | "\\u" ([0-9a-cA-Ce-fE-F] [0-9a-fA-F]{3} | [dD] [0-7] [0-9a-fA-F]{2})`,
  // RFC 3339 full-date with the days of each month; February 29th only in leap years.
  [DATE]: String.raw`[0-9]{4} "-" (("0" [13578] | "1" [02]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) | ("0" [469] | "11") "-" ("0" [1-9] | [12] [0-9] | "30") | "02-" ("0" [1-9] | "1" [0-9] | "2" [0-8])) | ${LEAP_YEAR} "-02-29"`,
  [LEAP_YEAR]: String.raw`[0-9] [0-9] ("0" [48] | [2468] [048] | [13579] [26]) | ("0" [048] | [2468] [048] | [13579] [26]) "00"`,
  [TIME]: String.raw`([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] ":" [0-5] [0-9] ("." [0-9]{3})? ("Z" | [+-] ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9])`,
};

/** llama.cpp refuses a repetition of 1,000 or more; longer counts are written as several. */
const MAX_REPEAT = 999;
const QUOTE = String.raw`"\""`;

/** Exactly `count` characters. */
function exactly(count: number): string[] {
  const parts: string[] = [];
  for (let left = count; left > 0; left -= Math.min(left, MAX_REPEAT)) parts.push(`${BMP_CHAR}{${Math.min(left, MAX_REPEAT)}}`);
  return parts;
}

/** Up to `count` characters, unambiguously (a string has one parse, so llama.cpp keeps few stacks alive). */
function upTo(count: number): string {
  if (count <= MAX_REPEAT) return `${BMP_CHAR}{0,${count}}`;
  return `(${BMP_CHAR}{0,${MAX_REPEAT}} | ${exactly(MAX_REPEAT + 1).join(' ')} ${upTo(count - MAX_REPEAT - 1)})`;
}

function boundedString(min: number, max: number | undefined): string {
  const rest = max === undefined ? `${BMP_CHAR}*` : max > min ? upTo(max - min) : '';
  return [QUOTE, ...exactly(min), rest, QUOTE].filter((part) => part !== '').join(' ');
}

/** The new body of one of node-llama-cpp's rules, or undefined to keep it. */
function rewrittenRule(name: string): string | undefined {
  if (name === 'integer-number-rule') return INTEGER;
  if (name === 'fractional-number-rule') return FRACTIONAL;
  if (name === 'string-format-date-rule') return `${QUOTE} ${DATE} ${QUOTE}`;
  if (name === 'string-format-time-rule') return `${QUOTE} ${TIME} ${QUOTE}`;
  if (name === 'string-format-date-time-rule') return `${QUOTE} ${DATE} "T" ${TIME} ${QUOTE}`;
  // reservedRuleNames.string: string-<min>-rule and string-<min>-<max>-rule (string-rule is unbounded: kept).
  const bounded = /^string-(\d+)(?:-(\d+))?-rule$/.exec(name);
  if (bounded !== null) return boundedString(Number(bounded[1]), bounded[2] === undefined ? undefined : Number(bounded[2]));
  return undefined;
}

/** Rewrites the rules above in a GBNF text (one `name ::= body` per line) and adds the rules they use. */
export function rewriteJsonSchemaGrammar(text: string): string {
  let changed = false;
  const lines = text.split('\n').map((line) => {
    const separator = line.indexOf(' ::= ');
    if (separator < 0) return line;
    const body = rewrittenRule(line.slice(0, separator));
    if (body === undefined) return line;
    changed = true;
    return `${line.slice(0, separator)} ::= ${body}`;
  });
  if (!changed) return text;
  const defined = new Set(lines.map((line) => line.slice(0, line.indexOf(' ::= '))));
  for (const [name, body] of Object.entries(HELPER_RULES)) if (!defined.has(name)) lines.push(`${name} ::= ${body}`);
  return lines.join('\n');
}

interface GrammarBindings {
  AddonGrammar: new (text: string, options: unknown) => unknown;
}

/**
 * Makes every grammar this Llama instance builds go through the rewrite. Its bindings are replaced by an
 * object that inherits everything from them but the grammar constructor, so no other instance changes.
 */
export function installExactJsonGrammar(llama: Llama): void {
  const internals = llama as unknown as { _bindings?: GrammarBindings };
  const bindings = internals._bindings;
  if (bindings === undefined || typeof bindings.AddonGrammar !== 'function') {
    throw new Error('node-llama-cpp no longer keeps its grammar constructor at llama._bindings.AddonGrammar: engine/exact-json-grammar.ts needs a new hook');
  }
  const Native = bindings.AddonGrammar;
  function ExactAddonGrammar(text: string, options: unknown): unknown {
    return new Native(rewriteJsonSchemaGrammar(text), options);
  }
  internals._bindings = Object.create(bindings, { AddonGrammar: { value: ExactAddonGrammar } }) as GrammarBindings;
}
