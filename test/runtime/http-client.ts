/**
 * Plain node:http calls against the server under test, with the control tests need that fetch() hides:
 * raw bodies, chunked uploads, reading SSE event by event, and dropping the connection mid-stream.
 */
import * as http from 'node:http';

export interface HttpResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  /** The body parsed as JSON (undefined when it is not JSON). */
  readonly json: any;
}

export interface RequestOptions {
  readonly method?: string;
  readonly headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  readonly body?: unknown;
  /** Send the body with Transfer-Encoding: chunked (no Content-Length). */
  readonly chunked?: boolean;
}

function parse(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function encode(body: unknown): Buffer | undefined {
  if (body === undefined) return undefined;
  if (Buffer.isBuffer(body)) return body;
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(JSON.stringify(body));
}

function open(baseUrl: string, path: string, options: RequestOptions): http.ClientRequest {
  const payload = encode(options.body);
  const headers: Record<string, string | number> = { ...options.headers };
  if (payload !== undefined) {
    headers['content-type'] ??= 'application/json';
    if (!options.chunked) headers['content-length'] = payload.length;
  }
  const request = http.request(`${baseUrl}${path}`, { method: options.method ?? (payload ? 'POST' : 'GET'), headers, agent: false });
  if (payload !== undefined && options.chunked) {
    // Several writes so the body really arrives in chunks.
    const step = 64 * 1024;
    for (let offset = 0; offset < payload.length; offset += step) request.write(payload.subarray(offset, offset + step));
    request.end();
  } else {
    request.end(payload);
  }
  return request;
}

export function call(baseUrl: string, path: string, options: RequestOptions = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const request = open(baseUrl, path, options);
    request.on('error', reject);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: response.statusCode ?? 0, headers: response.headers, text, json: parse(text) });
      });
    });
  });
}

export const post = (baseUrl: string, path: string, body: unknown, headers?: Record<string, string>): Promise<HttpResult> =>
  call(baseUrl, path, { method: 'POST', body, headers });

export interface SseResult {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Every `data:` payload parsed as JSON, in order ([DONE] excluded). */
  readonly events: any[];
  readonly done: boolean;
  /** The raw body, to check the framing itself. */
  readonly raw: string;
}

/**
 * Streams a request. `onEvent` sees each event as it arrives; returning 'disconnect' drops the
 * connection right there (the test then sees what it had so far).
 */
export function stream(baseUrl: string, path: string, body: unknown,
  options: { headers?: Record<string, string>; onEvent?: (event: any, index: number) => 'disconnect' | void } = {}): Promise<SseResult> {
  return new Promise((resolve, reject) => {
    const request = open(baseUrl, path, { method: 'POST', body, headers: options.headers });
    request.on('error', reject);
    request.on('response', (response) => {
      const events: any[] = [];
      let raw = '';
      let buffer = '';
      let done = false;
      let settled = false;
      const finish = () => {
        if (settled) return;
        settled = true;
        resolve({ status: response.statusCode ?? 0, headers: response.headers, events, done, raw });
      };
      response.setEncoding('utf8');
      response.on('data', (text: string) => {
        if (settled) return;
        raw += text;
        buffer += text;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, boundary);
          buffer = buffer.slice(boundary + 2);
          const data = block.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6)).join('\n');
          if (data === '[DONE]') {
            done = true;
            continue;
          }
          const event = parse(data) ?? { unparsed: data };
          events.push(event);
          if (options.onEvent?.(event, events.length - 1) === 'disconnect') {
            request.destroy();
            finish();
            return;
          }
        }
      });
      response.on('end', finish);
      response.on('close', finish);
      response.on('error', () => finish());
    });
  });
}
