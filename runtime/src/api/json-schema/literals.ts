import type { WorkBudget } from './budget.js';
import type { OutSchema } from './out-schema.js';
import { isInert } from './keywords.js';
import { isRawObject, setOwn, type RawObject } from './raw-schema.js';
import { refuse, shown } from './refusal.js';
import { codePointLength, checkNumericKeywords } from './values.js';

/**
 * Keywords checked against each listed value of a const or enum (the list is finite, so a value the
 * keyword rejects is simply left out). Others beside a const or enum are refused.
 */
const CHECKED_BESIDE_LITERALS = new Set(['type', 'const', 'enum', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf']);

/**
 * node-llama-cpp writes a literal string into the grammar escaping only `\`, `"`, tab, CR and LF: any other
 * control character would come out raw, which is not JSON, and a lone surrogate cannot be written as UTF-8.
 */
export function checkLiteralString(text: string, param: string, what: string): void {
  if (/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/.test(text)) {
    throw refuse(param, `holds ${what} ${shown(text)} with a control character other than tab, CR or LF, which node-llama-cpp's grammar cannot write as JSON.`);
  }
  if (/[\uD800-\uDFFF]/u.test(text)) throw refuse(param, `holds ${what} ${shown(text)} with a lone UTF-16 surrogate, which cannot be generated.`);
}

/** `const` and `enum`, with the sibling keywords that narrow them: exactly the listed values that pass. */
export function literalSchema(node: RawObject, param: string, budget: WorkBudget): OutSchema {
  for (const key of Object.keys(node)) {
    if (!CHECKED_BESIDE_LITERALS.has(key) && !isInert(key)) {
      throw refuse(`${param}.${key}`, 'cannot be combined with const or enum here: list only the values that match it.');
    }
  }
  let values: unknown[];
  if (node.enum !== undefined) {
    if (!Array.isArray(node.enum)) throw refuse(`${param}.enum`, `must be a list of values, got ${shown(node.enum)}.`);
    values = node.enum;
  } else {
    values = [node.const];
  }
  budget.spend(`${param}.enum`, values.length);
  const allowed = values.filter((value) => accepts(node, value, param));
  if (allowed.length === 0) {
    throw refuse(`${param}.${node.enum !== undefined ? 'enum' : 'const'}`, 'allows no value: none of the listed values passes the other keywords beside it.');
  }
  return literalsAsSchema(allowed, `${param}.${node.enum !== undefined ? 'enum' : 'const'}`, budget);
}

function accepts(node: RawObject, value: unknown, param: string): boolean {
  if (node.const !== undefined && node.enum !== undefined && !isSameJson(node.const, value)) return false;
  if (node.type !== undefined && !hasType(value, node.type)) return false;
  if (typeof value === 'string') {
    const length = codePointLength(value);
    if (typeof node.minLength === 'number' && length < node.minLength) return false;
    if (typeof node.maxLength === 'number' && length > node.maxLength) return false;
  }
  if (typeof value === 'number') return checkNumericKeywords(node, param).accepts(value);
  return true;
}

function hasType(value: unknown, type: unknown): boolean {
  const types = Array.isArray(type) ? type : [type];
  return types.some((each) => {
    switch (each) {
      case 'null': return value === null;
      case 'boolean': return typeof value === 'boolean';
      case 'string': return typeof value === 'string';
      case 'number': return typeof value === 'number';
      case 'integer': return typeof value === 'number' && Number.isInteger(value);
      case 'array': return Array.isArray(value);
      case 'object': return isRawObject(value);
      default: return false;
    }
  });
}

function isSameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b) || (typeof a === 'number' && a === b);
}

/**
 * The values as node-llama-cpp's subset writes them: strings, numbers, booleans and null as const/enum;
 * an object value as an object schema of const properties (all of them, nothing else); an array value as
 * a tuple of consts of its exact length.
 */
export function literalsAsSchema(values: readonly unknown[], param: string, budget: WorkBudget): OutSchema {
  const primitives: unknown[] = [];
  const structured: OutSchema[] = [];
  for (const value of values) {
    budget.spend(param);
    if (typeof value === 'string') checkLiteralString(value, param, 'the value');
    if (Array.isArray(value)) {
      structured.push(value.length === 0
        ? { type: 'array', maxItems: 0 }
        : { type: 'array', prefixItems: value.map((item) => literalsAsSchema([item], param, budget)), maxItems: value.length });
    } else if (isRawObject(value)) {
      const properties: Record<string, OutSchema> = {};
      for (const [key, item] of Object.entries(value)) {
        checkLiteralString(key, param, 'the property name');
        setOwn(properties, key, literalsAsSchema([item], param, budget));
      }
      structured.push({ type: 'object', properties });
    } else {
      primitives.push(value);
    }
  }
  const alternatives: OutSchema[] = [];
  if (primitives.length === 1) alternatives.push({ const: primitives[0] });
  else if (primitives.length > 1) alternatives.push({ enum: primitives });
  alternatives.push(...structured);
  return alternatives.length === 1 ? alternatives[0] : { oneOf: alternatives };
}
