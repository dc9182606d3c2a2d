import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * Checks `Authorization: Bearer <key>`. Both sides are hashed first so the comparison takes the same time
 * whatever the length or content of what the client sent.
 */
export class BearerKey {
  private readonly expected: Buffer;

  constructor(key: string) {
    // Fail closed: a blank key would make every client "authorised" with an empty bearer value.
    if (key.trim() === '') throw new Error('the bearer key is blank');
    this.expected = digest(key);
  }

  accepts(headers: IncomingHttpHeaders): boolean {
    const value = headers.authorization;
    const match = typeof value === 'string' ? /^Bearer[ \t]+(.+)$/i.exec(value.trim()) : null;
    const given = digest(match?.[1] ?? '');
    return timingSafeEqual(given, this.expected) && match !== null;
  }
}

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
