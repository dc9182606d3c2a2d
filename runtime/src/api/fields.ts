import { invalidRequest } from '../http/api-error.js';
import { ownValue } from '../own-property.js';

type Json = Record<string, unknown>;

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;

/**
 * Reads typed fields out of a JSON object; a wrong type or range is a 400 whose `param` names the field
 * (with its path, e.g. `messages[2].content`). `null` counts as absent, as in OpenAI's API.
 */
export class Fields {
  constructor(private readonly body: Json, private readonly path = '') {}

  param(name: string): string {
    return this.path === '' ? name : `${this.path}.${name}`;
  }

  has(name: string): boolean {
    return this.raw(name) !== undefined;
  }

  /** The object's own field names. */
  keys(): string[] {
    return Object.keys(this.body);
  }

  raw(name: string): unknown {
    const value = ownValue(this.body, name);
    return value === null ? undefined : value;
  }

  string(name: string, options: { required?: boolean; nonEmpty?: boolean } = {}): string | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw invalidRequest(`Missing required parameter: '${this.param(name)}'.`, this.param(name), 'missing_required_parameter');
      return undefined;
    }
    if (typeof value !== 'string') throw invalidRequest(`'${this.param(name)}' must be a string, got ${describe(value)}.`, this.param(name), 'invalid_type');
    if (options.nonEmpty && value === '') throw invalidRequest(`'${this.param(name)}' must not be empty.`, this.param(name));
    return value;
  }

  boolean(name: string): boolean | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'boolean') throw invalidRequest(`'${this.param(name)}' must be a boolean, got ${describe(value)}.`, this.param(name), 'invalid_type');
    return value;
  }

  number(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidRequest(`'${this.param(name)}' must be a number, got ${describe(value)}.`, this.param(name), 'invalid_type');
    if (value < min || value > max) throw invalidRequest(`'${this.param(name)}' must be from ${min} to ${max}, got ${value}.`, this.param(name));
    return value;
  }

  integer(name: string, min: number, max: number): number | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (typeof value !== 'number' || !Number.isInteger(value)) throw invalidRequest(`'${this.param(name)}' must be an integer, got ${describe(value)}.`, this.param(name), 'invalid_type');
    if (value < min || value > max) throw invalidRequest(`'${this.param(name)}' must be from ${min} to ${max}, got ${value}.`, this.param(name));
    return value;
  }

  object(name: string, options: { required?: boolean } = {}): Fields | undefined {
    const value = this.raw(name);
    if (value === undefined) {
      if (options.required) throw invalidRequest(`Missing required parameter: '${this.param(name)}'.`, this.param(name), 'missing_required_parameter');
      return undefined;
    }
    if (typeof value !== 'object' || Array.isArray(value)) throw invalidRequest(`'${this.param(name)}' must be an object, got ${describe(value)}.`, this.param(name), 'invalid_type');
    return new Fields(value as Json, this.param(name));
  }

  array(name: string): unknown[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) throw invalidRequest(`'${this.param(name)}' must be an array, got ${describe(value)}.`, this.param(name), 'invalid_type');
    return value;
  }

  /** OpenAI's `stop`: a string or up to 4 non-empty strings. */
  stop(name = 'stop'): string[] {
    const value = this.raw(name);
    if (value === undefined) return [];
    const list = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(list)) throw invalidRequest(`'${this.param(name)}' must be a string or an array of strings, got ${describe(value)}.`, this.param(name), 'invalid_type');
    if (list.length > 4) throw invalidRequest(`'${this.param(name)}' allows at most 4 sequences, got ${list.length}.`, this.param(name));
    return list.map((item, index) => {
      const param = typeof value === 'string' ? this.param(name) : `${this.param(name)}[${index}]`;
      if (typeof item !== 'string') throw invalidRequest(`'${param}' must be a string, got ${describe(item)}.`, param, 'invalid_type');
      if (item === '') throw invalidRequest(`'${param}' must not be empty.`, param);
      return item;
    });
  }

  /** A field this server does not implement: accepted at its neutral value, refused otherwise. */
  unsupported(name: string, isNeutral: (value: unknown) => boolean, why: string): void {
    const value = this.raw(name);
    if (value !== undefined && !isNeutral(value)) {
      throw invalidRequest(`'${this.param(name)}' is not supported by this server: ${why}.`, this.param(name), 'unsupported_parameter');
    }
  }
}
