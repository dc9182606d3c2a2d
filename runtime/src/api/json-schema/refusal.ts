import { ApiError, invalidRequest } from '../../http/api-error.js';

/**
 * A schema this server will not enforce: 400 invalid_json_schema whose `param` is the keyword's full path
 * (e.g. `tools[0].function.parameters.properties.age.minimum`), so a client sees exactly what to change.
 */
export function refuse(param: string, reason: string): ApiError {
  return invalidRequest(`'${param}' ${reason}`, param, 'invalid_json_schema');
}

/** Shows a schema value in a message without echoing a huge one back. */
export function shown(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
