/**
 * How a route's requests lay out the same things. Chat completions nest a function's definition
 * (`{"type": "function", "function": {"name", ...}}`) and a JSON schema format
 * (`{"type": "json_schema", "json_schema": {"name", "schema"}}`); the Responses API writes both flat
 * (`{"type": "function", "name", ...}`, `{"type": "json_schema", "name", "schema"}`).
 */
export type RequestShape = 'chat' | 'responses';
