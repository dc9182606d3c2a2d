import http from 'node:http';

export interface BufferedResult {
  readonly status: number;
  readonly requestId: string | undefined;
  readonly totalMs: number;
  readonly body: any;
}

export interface StreamedResult {
  readonly status: number;
  /** The server's x-request-id, which its metrics log line carries too. */
  readonly requestId: string | undefined;
  /** Request written to first response byte (headers included). */
  readonly firstByteMs: number;
  /** Request written to the first SSE event that carries generated text. */
  readonly ttftMs: number;
  /** Request written to the last SSE event that carries generated text. */
  readonly lastTextMs: number;
  /** Request written to the end of the response. */
  readonly totalMs: number;
  readonly textEvents: number;
  readonly usage: { prompt_tokens: number; completion_tokens: number } | undefined;
  readonly finishReason: string | undefined;
  /** The answer text (chat `delta.content` pieces), as a client would show it. */
  readonly content: string;
  /** Completions: the generated text (`text` pieces). */
  readonly text: string;
  /** Request written to each SSE event that carries generated text. */
  readonly textEventMs: readonly number[];
  /** llama.cpp's server: its own count of generated tokens (`timings.predicted_n` of the last event). */
  readonly predictedTokens?: number;
}

// One keep-alive connection, as the Lambda Web Adapter keeps to the server inside the function.
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

function header(response: http.IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function post(port: number, path: string, body: unknown, via: http.Agent = agent): http.ClientRequest {
  const payload = Buffer.from(JSON.stringify(body));
  const request = http.request({
    host: '127.0.0.1',
    port,
    path,
    method: 'POST',
    agent: via,
    headers: { 'content-type': 'application/json', 'content-length': payload.length },
  });
  request.end(payload);
  return request;
}

export function getJson(port: number, path: string, timeoutMs = 2000): Promise<{ status: number; body: any }> {
  return new Promise((resolve, reject) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: any = text;
        try { body = JSON.parse(text); } catch { /* health may answer plain text */ }
        resolve({ status: response.statusCode ?? 0, body });
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error('timeout')));
    request.on('error', reject);
  });
}

export function postBuffered(port: number, path: string, body: unknown): Promise<BufferedResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = post(port, path, body);
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const totalMs = performance.now() - started;
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: any = text;
        try { parsed = JSON.parse(text); } catch { /* reported below as a bad body */ }
        resolve({ status: response.statusCode ?? 0, requestId: header(response, 'x-request-id'), totalMs, body: parsed });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}

/**
 * Reads an OpenAI-style SSE stream, timing the first and last events that carry generated text. Concurrent
 * streams need an agent of their own (the default one keeps a single connection); `onText` sees each event
 * that carries text (its index), while the stream runs.
 */
export function postStreamed(port: number, path: string, body: unknown, via: http.Agent = agent,
  onText?: (index: number) => void): Promise<StreamedResult> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const request = post(port, path, body, via);
    request.on('response', (response) => {
      const firstByteMs = performance.now() - started;
      let pending = '';
      let ttftMs = NaN;
      let lastTextMs = NaN;
      let textEvents = 0;
      let usage: StreamedResult['usage'];
      let finishReason: string | undefined;
      let content = '';
      let text = '';
      const textEventMs: number[] = [];
      let predictedTokens: number | undefined;
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        const now = performance.now() - started;
        pending += chunk;
        let boundary: number;
        while ((boundary = pending.indexOf('\n\n')) >= 0) {
          const event = pending.slice(0, boundary);
          pending = pending.slice(boundary + 2);
          for (const line of event.split('\n')) {
            if (!line.startsWith('data:')) continue;
            const data = line.slice(5).trim();
            if (data === '[DONE]') continue;
            let parsed: any;
            try { parsed = JSON.parse(data); } catch { continue; }
            if (parsed.usage) usage = parsed.usage;
            if (typeof parsed.timings?.predicted_n === 'number') predictedTokens = parsed.timings.predicted_n;
            if (parsed.response !== undefined && typeof parsed.response === 'string' && parsed.response) {
              // The seed route's stream shape, in case it is measured.
              if (Number.isNaN(ttftMs)) ttftMs = now;
              lastTextMs = now;
              textEvents += 1;
            }
            for (const choice of parsed.choices ?? []) {
              content += choice.delta?.content ?? '';
              text += typeof choice.text === 'string' ? choice.text : '';
              const piece = choice.text ?? choice.delta?.content ?? choice.delta?.reasoning_content ?? '';
              if (piece) {
                if (Number.isNaN(ttftMs)) ttftMs = now;
                lastTextMs = now;
                textEvents += 1;
                textEventMs.push(now);
                onText?.(textEvents - 1);
              }
              if (choice.finish_reason) finishReason = choice.finish_reason;
            }
          }
        }
      });
      response.on('end', () => {
        resolve({
          status: response.statusCode ?? 0,
          requestId: header(response, 'x-request-id'),
          firstByteMs,
          ttftMs,
          lastTextMs,
          totalMs: performance.now() - started,
          textEvents,
          usage,
          finishReason,
          content,
          text,
          textEventMs,
          predictedTokens,
        });
      });
      response.on('error', reject);
    });
    request.on('error', reject);
  });
}
