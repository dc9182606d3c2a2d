/** HTTP helpers for talking to the server in the container. */

export async function waitForHealth(baseUrl: string, timeoutMs: number, isAlive: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.status === 200) return Date.now() - started;
    } catch {
      // Not listening yet.
    }
    if (!(await isAlive())) throw new Error('the container exited before /health answered 200');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`/health did not answer 200 within ${timeoutMs / 1000} s`);
}

export async function postJson(url: string, body: unknown): Promise<{ status: number; json: any }> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status} with a body that is not JSON: ${text.slice(0, 300)}`);
  }
  return { status: response.status, json };
}

export interface SseResult {
  readonly status: number;
  readonly contentType: string;
  readonly events: any[];
  readonly done: boolean;
}

/** Reads a Server-Sent Events response to its end: the JSON `data:` payloads, and whether `[DONE]` came last. */
export async function postSse(url: string, body: unknown): Promise<SseResult> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const text = await response.text();
  const payloads = text.split('\n').filter((line) => line.startsWith('data: ')).map((line) => line.slice(6));
  const done = payloads[payloads.length - 1] === '[DONE]';
  const events = payloads.filter((p) => p !== '[DONE]').map((p) => JSON.parse(p));
  return { status: response.status, contentType: response.headers.get('content-type') ?? '', events, done };
}
