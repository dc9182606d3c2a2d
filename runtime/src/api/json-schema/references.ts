import { isRawObject, own, type RawSchema } from './raw-schema.js';
import { refuse, shown } from './refusal.js';

/**
 * Resolves a `$ref` inside the schema document: `#` (the root), `#/$defs/x`, `#/definitions/x` or any other
 * JSON pointer into the document (`~0`, `~1` and percent escapes decoded). Remote documents, anchors
 * (`#name`) and `$id`-relative references are refused: nothing can fetch or rebase them here.
 */
export function resolveReference(document: RawSchema, ref: unknown, param: string): RawSchema {
  if (typeof ref !== 'string') throw refuse(param, `must be a string, got ${shown(ref)}.`);
  if (!ref.startsWith('#')) {
    throw refuse(param, `is ${shown(ref)}: only references inside this schema ("#/$defs/<name>") can be resolved; inline the other document's definitions under "$defs".`);
  }
  if (ref !== '#' && !ref.startsWith('#/')) {
    throw refuse(param, `is ${shown(ref)}, an anchor: only JSON pointers ("#/$defs/<name>") can be resolved.`);
  }
  let node: unknown = document;
  for (const token of ref === '#' ? [] : ref.slice(2).split('/')) {
    const key = decodeToken(token, ref, param);
    if (Array.isArray(node) && /^(0|[1-9]\d*)$/.test(key)) node = node[Number(key)];
    else if (isRawObject(node)) node = own(node, key);
    else node = undefined;
    if (node === undefined) throw refuse(param, `points to ${shown(ref)}, which is not defined in this schema.`);
  }
  if (typeof node !== 'boolean' && !isRawObject(node)) throw refuse(param, `points to ${shown(ref)}, which is not a schema.`);
  return node;
}

function decodeToken(token: string, ref: string, param: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(token);
  } catch {
    throw refuse(param, `is ${shown(ref)}, which is not a valid JSON pointer.`);
  }
  return decoded.replaceAll('~1', '/').replaceAll('~0', '~');
}

/** A readable name for a definition: the pointer's last segment ("root" for "#"). */
export function definitionBaseName(ref: string): string {
  const last = ref === '#' ? 'root' : ref.slice(ref.lastIndexOf('/') + 1);
  let base: string;
  try {
    base = decodeURIComponent(last).replaceAll('~1', '/').replaceAll('~0', '~');
  } catch {
    base = last;
  }
  return base.replace(/[^\w.-]/g, '_') || 'def';
}
