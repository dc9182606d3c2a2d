// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * The page against the endless model (it never stops by itself): the stop button aborts the request and the
 * server stops generating, as for any client that leaves; a full queue shows the 429 with its Retry-After.
 */
import * as http from 'node:http';
import type { Browser, HTTPRequest } from 'puppeteer-core';
import { ask, lastAnswer, launchBrowser, openChat } from './browser';
import { ServerHandle, startServer } from '../runtime/harness';
import { endlessModel } from '../runtime/models';

const model = endlessModel();
let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  // Room for a generation far longer than any test waits (tens of seconds), and no queue behind it.
  // The browser first: without one, fail at once (and start no server that could outlive the failure).
  browser = await launchBrowser();
  server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: '32768', LLM_MAX_TOKENS: '32000', LLM_QUEUE_SIZE: '0' } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});


test('Stop aborts a long generation: the page keeps what it showed, the server logs the request as cut by the disconnect', async () => {
  const page = await openChat(browser, server.url);
  const bodies: any[] = [];
  page.on('request', (request: HTTPRequest) => {
    if (request.url().endsWith('/v1/chat/completions')) bodies.push(JSON.parse(request.postData() ?? 'null'));
  });
  const logsBefore = server.logs.length;
  await ask(page, 'Go on forever.');
  // The answer is streaming: the Stop button replaced Send.
  await page.waitForFunction(() => (document.querySelector('.message.assistant .answer')?.textContent ?? '').includes('again'), { polling: 100 });
  expect(await page.$eval('#send', (node) => (node as HTMLElement).hidden)).toBe(true);
  await page.click('#stop');
  const shown = await lastAnswer(page, 10_000);
  expect(shown.state).toBe('stopped');
  expect(shown.status).toBe('Stopped.');
  expect(shown.reasoning).toBe(model.reasoning);
  expect(shown.answer).toMatch(/^(again and again)+(again( and)?)?$/);

  const line = await server.waitForLog((l) => l.event === 'request' && l.route === '/v1/chat/completions', 10_000, logsBefore);
  expect(line).toMatchObject({ status: 499, stoppedBy: 'disconnect', stream: true });
  expect(line.CompletionTokens).toBeLessThan(32_000);
  // Nothing more arrives after Stop, and Send is back.
  const stoppedAt = await page.$eval('.message.assistant .answer', (node) => node.textContent);
  await new Promise((resolve) => setTimeout(resolve, 300));
  expect(await page.$eval('.message.assistant .answer', (node) => node.textContent)).toBe(stoppedAt);
  expect(await page.$eval('#send', (node) => (node as HTMLElement).hidden)).toBe(false);
  expect(await page.$eval('#stats', (node) => node.textContent)).toBe('Last answer: stopped before the end (no usage reported).');

  // The stopped answer, as shown, is part of the conversation the next question carries.
  await ask(page, 'And now?');
  await page.waitForFunction(() => document.querySelectorAll('.message.assistant').length === 2, { polling: 100 });
  await page.click('#stop');
  await lastAnswer(page, 10_000);
  expect(bodies[1].messages).toEqual([
    { role: 'user', content: 'Go on forever.' },
    { role: 'assistant', content: stoppedAt },
    { role: 'user', content: 'And now?' },
  ]);
  await server.waitForLog((l) => l.event === 'request' && l.route === '/v1/chat/completions' && l.status === 499, 10_000,
    server.logs.indexOf(line) + 1);
  await page.close();
});

/** Starts a streamed generation from outside the page and resolves once its first bytes arrive. */
function occupyModel(): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'hold the model' }], stream: true });
    const request = http.request(`${server.url}/v1/chat/completions`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, agent: false,
    });
    request.on('error', () => undefined);
    request.on('response', (response) => {
      if (response.statusCode !== 200) reject(new Error(`holder got ${response.statusCode}`));
      response.once('data', () => resolve(request));
    });
    request.end(body);
  });
}

test('a full queue: the page says the server is busy and when to retry (Retry-After), and gives the question back', async () => {
  const holder = await occupyModel();
  try {
    const page = await openChat(browser, server.url);
    await ask(page, 'Is anyone free?');
    const shown = await lastAnswer(page, 10_000);
    expect(shown.state).toBe('failed');
    const retryAfter = /Retry in (\d+) s \(Retry-After\)\./.exec(shown.status);
    expect(retryAfter).not.toBeNull();
    expect(Number(retryAfter![1])).toBeGreaterThanOrEqual(1);
    expect(shown.status).toBe(`The server is busy with other requests. Retry in ${retryAfter![1]} s (Retry-After).`);
    expect(await page.$eval('#prompt', (node) => (node as HTMLTextAreaElement).value)).toBe('Is anyone free?');
    await server.waitForLog((l) => l.event === 'request' && l.route === '/v1/chat/completions' && l.status === 429 && l.errorCode === 'queue_full');
    await page.close();
  } finally {
    holder.destroy();
  }
});
