/**
 * A lookup by a name that came from outside (a role, a path, a method, a token id): only the record's own
 * keys count, so "constructor", "toString" or "__proto__" never find something inherited from Object.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(record, key) ? record[key] : undefined;
}
