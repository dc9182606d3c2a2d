/**
 * Bounds on the work one schema may cause, and on what node-llama-cpp's grammar (through the rewrite in
 * engine/exact-json-grammar.ts) can produce. A hostile schema of a megabyte must be refused quickly, not
 * block the event loop or make llama.cpp build a grammar of millions of rules.
 */

/** Nesting of subschemas inside one another (references start again at 0: they become rules of their own). */
export const MAX_DEPTH = 64;

/**
 * Units of work for all the schemas of one request (one per subschema visited, literal checked, keyword
 * merged or pair of oneOf alternatives compared). A 1,000-property model costs a few thousand.
 */
export const WORK_BUDGET = 50_000;

/** Chained references followed to merge a `$ref` with sibling keywords (an `allOf` through a cycle never ends). */
export const MAX_INLINE_HOPS = 64;

/**
 * minItems, maxItems and maxProperties become repetitions of a rule: llama.cpp refuses a grammar whose
 * repetition count times the repeated symbols passes 2,000, and a list of two symbols (separator, item)
 * passes it at 1,000 items.
 */
export const MAX_REPETITIONS = 500;

/** minLength and maxLength: the string rule is rewritten in chunks llama.cpp accepts (see exact-json-grammar). */
export const MAX_STRING_LENGTH = 10_000;

/** An integer range with at most this many values is enforced as an enum of its values. */
export const MAX_INTEGER_ENUM = 256;

/** The largest integer the grammar writes: at most 15 digits (the rewritten integer rule). */
export const GRAMMAR_INTEGER_LIMIT = 999_999_999_999_999;

/**
 * No number the rewritten fractional rule writes reaches this magnitude: at most 16 integer digits and an
 * exponent of at most two digits, so below 1e16 × 1e99.
 */
export const GRAMMAR_NUMBER_LIMIT = 1e115;

/**
 * Parse stacks llama.cpp may keep alive at once for one value (ambiguity.ts). Each is checked against every
 * candidate token at every step; schemas as SDKs write them need one.
 */
export const MAX_PARSE_STACKS = 32;
