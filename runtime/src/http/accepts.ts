import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether the Accept header lists `mediaType` itself with a non-zero quality. Wildcards do not count: curl
 * and SDKs send `*\/*`, and they must keep getting the API's answers, while browsers name text/html when
 * they navigate.
 */
export function acceptsMediaType(headers: IncomingHttpHeaders, mediaType: string): boolean {
  const accept = headers.accept;
  if (accept === undefined) return false;
  return accept.split(',').some((range) => {
    const [type, ...parameters] = range.split(';').map((part) => part.trim().toLowerCase());
    if (type !== mediaType) return false;
    const quality = parameters.find((parameter) => parameter.startsWith('q='));
    return quality === undefined || Number(quality.slice(2)) > 0;
  });
}
