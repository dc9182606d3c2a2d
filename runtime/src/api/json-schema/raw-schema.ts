/** A schema as the client sent it: an object of keywords, or `true`/`false`. */
export type RawSchema = RawObject | boolean;
export type RawObject = Readonly<Record<string, unknown>>;

export const isRawObject = (value: unknown): value is RawObject =>
  value !== null && typeof value === 'object' && !Array.isArray(value);

/** An own property only: a schema named "constructor" or "__proto__" must never reach Object.prototype. */
export function own(object: RawObject, key: string): unknown {
  return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
}

/**
 * Sets an own, enumerable property: plain assignment of "__proto__" would set the prototype instead, and a
 * property of that name (valid in JSON) would vanish from the schema.
 */
export function setOwn<T>(object: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Path of a named child for error messages: `.properties.age`, or `.properties["a b"]` when the name needs it. */
export function childPath(param: string, keyword: string, name?: string | number): string {
  if (name === undefined) return `${param}.${keyword}`;
  if (typeof name === 'number') return `${param}.${keyword}[${name}]`;
  return /^[A-Za-z_$][\w$-]*$/.test(name) ? `${param}.${keyword}.${name}` : `${param}.${keyword}[${JSON.stringify(name)}]`;
}

/** Structural equality of JSON values, as JSON Schema's const and enum compare them (1 equals 1.0). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as unknown[];
    return a.length === other.length && a.every((item, index) => jsonEqual(item, other[index]));
  }
  const aKeys = Object.keys(a);
  const bObject = b as Record<string, unknown>;
  return aKeys.length === Object.keys(bObject).length
    && aKeys.every((key) => Object.prototype.hasOwnProperty.call(bObject, key) && jsonEqual((a as Record<string, unknown>)[key], bObject[key]));
}
