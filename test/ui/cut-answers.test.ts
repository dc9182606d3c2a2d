// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * Answers that did not end normally are shown as such: one cut by a token limit (`finish_reason: "length"`,
 * from the real server with a small LLM_MAX_TOKENS), and a stream that ends without `[DONE]` (a dropped
 * connection or a Lambda timeout, played by the browser answering the request itself).
 */
import type { Browser, HTTPRequest } from 'puppeteer-core';
import { ask, lastAnswer, launchBrowser, openChat } from './browser';
import { ServerHandle, startServer } from '../runtime/harness';
import { scriptedModel } from '../runtime/models';

const model = scriptedModel();
let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  browser = await launchBrowser();
  server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_MAX_TOKENS: '5' } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

test('an answer cut by its token limit says so', async () => {
  const page = await openChat(browser, server.url);
  await ask(page, 'Hello there');
  const shown = await lastAnswer(page);
  expect(shown.state).toBe('done');
  expect(shown.status).toBe('Cut short: the answer reached its token or time limit.');
  await page.close();
});

test('a stream that ends without [DONE] is shown as cut off, not as a finished answer', async () => {
  const page = await openChat(browser, server.url);
  await page.setRequestInterception(true);
  page.on('request', (request: HTTPRequest) => {
    if (!request.url().endsWith('/v1/chat/completions')) {
      void request.continue();
      return;
    }
    const chunk = { id: 'chatcmpl-x', object: 'chat.completion.chunk', created: 0, model: 'm', choices: [{ index: 0, delta: { content: 'Half an ans' }, finish_reason: null }] };
    void request.respond({ status: 200, contentType: 'text/event-stream', body: `data: ${JSON.stringify(chunk)}\n\n` });
  });
  await ask(page, 'Hello there');
  const shown = await lastAnswer(page);
  expect(shown.state).toBe('failed');
  expect(shown.answer).toBe('Half an ans');
  expect(shown.status).toBe('The answer was cut off: the connection ended before the server finished it.');
  await page.close();
});
