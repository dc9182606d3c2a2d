// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * The chat page in a real headless Chromium against the real server on a scripted model: streamed reasoning
 * and answer shown exactly, a multi-turn conversation, usage and speed, a phone-sized screen, and the
 * context_length_exceeded message.
 */
import type { Browser, HTTPRequest, Page } from 'puppeteer-core';
import { ask, lastAnswer, launchBrowser, modelShown, openChat } from './browser';
import { ServerHandle, startServer } from '../runtime/harness';
import { call } from '../runtime/http-client';
import { scriptedModel } from '../runtime/models';

const model = scriptedModel();
let server: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  // The browser first: without one, fail at once (and start no server that could outlive the failure).
  browser = await launchBrowser();
  // The smallest context llama.cpp gives (256 tokens): a long question overflows it.
  server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_CONTEXT_SIZE: '256' } });
});

afterAll(async () => {
  await browser?.close();
  await server?.stop();
});

/** The JSON bodies the page POSTs to /v1/chat/completions. */
function chatBodies(page: Page): any[] {
  const bodies: any[] = [];
  page.on('request', (request: HTTPRequest) => {
    if (request.url().endsWith('/v1/chat/completions') && request.method() === 'POST') bodies.push(JSON.parse(request.postData() ?? 'null'));
  });
  return bodies;
}

test('the header shows the model id from /v1/models', async () => {
  const page = await openChat(browser, server.url);
  const id = (await call(server.url, '/v1/models')).json.data[0].id;
  expect(await modelShown(page)).toBe(id);
  expect(await page.title()).toContain(id);
  await page.close();
});

test('a typed question streams back: the reasoning apart (folded once the answer starts) and the answer, exactly', async () => {
  const page = await openChat(browser, server.url);
  const bodies = chatBodies(page);
  // Record what the page shows at each change while the answer streams.
  await page.evaluate(() => {
    const seen: Array<{ box: string; reasoning: number; answer: number }> = [];
    (window as any).__seen = seen;
    new MutationObserver(() => {
      const box = document.querySelector('.message.assistant .reasoning') as HTMLDetailsElement | null;
      if (box === null || box.hidden) return;
      seen.push({
        box: box.open ? 'open' : 'folded',
        reasoning: box.querySelector('.reasoning-text')!.textContent!.length,
        answer: document.querySelector('.message.assistant .answer')!.textContent!.length,
      });
    }).observe(document.getElementById('conversation')!, { subtree: true, childList: true, attributes: true, characterData: true });
  });
  // A slow network (as on a phone) spreads the stream over seconds, so each phase gets painted on its own.
  await page.emulateNetworkConditions({ download: 1500, upload: 100_000, latency: 20 });
  await ask(page, 'What is the answer?');
  const shown = await lastAnswer(page);
  await page.emulateNetworkConditions(null);
  expect(shown).toEqual({ state: 'done', reasoning: model.reasoning, reasoningVisible: true, answer: model.answer, status: '' });
  const seen: Array<{ box: string; reasoning: number; answer: number }> = await page.evaluate(() => (window as any).__seen);
  // Streamed: the reasoning showed in the open box before any answer; the box folded once the answer came.
  expect(seen[0]).toMatchObject({ box: 'open', answer: 0 });
  expect(seen[0].reasoning).toBeGreaterThan(0);
  expect(seen[seen.length - 1]).toEqual({ box: 'folded', reasoning: model.reasoning.length, answer: model.answer.length });
  // The reasoning sits in its own box, before the answer, and unfolds on a click.
  expect(await page.$eval('.message.assistant .reasoning', (node) => node.nextElementSibling?.className)).toBe('answer');
  await page.click('.message.assistant .reasoning summary');
  expect(await page.$eval('.message.assistant .reasoning', (node) => (node as HTMLDetailsElement).open)).toBe(true);
  // The question is shown as sent, and was sent streamed with usage requested.
  expect(await page.$eval('.message.user .bubble', (node) => node.textContent)).toBe('What is the answer?');
  expect(bodies).toEqual([{ messages: [{ role: 'user', content: 'What is the answer?' }], stream: true, stream_options: { include_usage: true } }]);
  // The server streamed it: one request, 200, as SSE.
  const line = server.requestLogs().filter((l) => l.route === '/v1/chat/completions').pop()!;
  expect(line).toMatchObject({ status: 200, stream: true, stoppedBy: 'eos', CompletionTokens: model.chatCompletionTokens });
  await page.close();
});

test('usage and tokens/s of the last answer are shown', async () => {
  const page = await openChat(browser, server.url);
  await ask(page, 'Count the tokens.');
  await lastAnswer(page);
  const stats = await page.$eval('#stats', (node) => node.textContent ?? '');
  const line = server.requestLogs().filter((l) => l.route === '/v1/chat/completions').pop()!;
  expect(line.reasoningTokens).toBeGreaterThan(0);
  expect(stats).toContain(`${line.PromptTokens} prompt tokens`);
  expect(stats).toContain(`${model.chatCompletionTokens} completion tokens (${line.reasoningTokens} reasoning)`);
  const speed = /([\d.]+) tokens\/s/.exec(stats);
  expect(speed).not.toBeNull();
  expect(Number(speed![1])).toBeGreaterThan(0);
  await page.close();
});

test('the conversation is multi-turn: the second request carries the first question and answer (no reasoning)', async () => {
  const page = await openChat(browser, server.url);
  const bodies = chatBodies(page);
  await ask(page, 'First question?');
  await lastAnswer(page);
  await ask(page, 'Second question?');
  const second = await lastAnswer(page);
  expect(second.answer).toBe(model.answer);
  expect(bodies[1].messages).toEqual([
    { role: 'user', content: 'First question?' },
    { role: 'assistant', content: model.answer },
    { role: 'user', content: 'Second question?' },
  ]);
  expect(await page.$$eval('.message', (nodes) => nodes.map((node) => node.className))).toEqual(
    ['message user', 'message assistant', 'message user', 'message assistant']);
  // "New chat" starts over: nothing of the old conversation is sent again.
  await page.click('#new-chat');
  await ask(page, 'Fresh start?');
  await lastAnswer(page);
  expect(bodies[2].messages).toEqual([{ role: 'user', content: 'Fresh start?' }]);
  await page.close();
});

test('on a phone-sized screen everything fits the width and the composer stays in view', async () => {
  const page = await openChat(browser, server.url, { width: 375, height: 667 });
  await ask(page, 'Does it fit on a phone?');
  await lastAnswer(page);
  const layout = await page.evaluate(() => {
    const composer = document.getElementById('composer')!.getBoundingClientRect();
    return {
      scrollWidth: document.documentElement.scrollWidth,
      composerRight: composer.right,
      composerBottom: composer.bottom,
      bodyFont: parseFloat(getComputedStyle(document.body).fontSize),
    };
  });
  expect(layout.scrollWidth).toBeLessThanOrEqual(375);
  expect(layout.composerRight).toBeLessThanOrEqual(375);
  expect(layout.composerBottom).toBeLessThanOrEqual(667);
  expect(layout.bodyFont).toBeGreaterThanOrEqual(14);
  await page.close();
});

test('a question beyond the context gets a clear context_length_exceeded message, and the question back to edit', async () => {
  const page = await openChat(browser, server.url);
  const long = 'Please consider this sentence again. '.repeat(60).trim();
  await page.click('#prompt');
  // Typing 2,000 characters key by key is slow; paste-like input, then Enter as a user would.
  await page.$eval('#prompt', (node, text) => { (node as HTMLTextAreaElement).value = text; }, long);
  await page.keyboard.press('Enter');
  const shown = await lastAnswer(page);
  expect(shown.state).toBe('failed');
  expect(shown.status).toMatch(/^This conversation no longer fits the model's context: start a new chat or send something shorter\. \(This model's maximum context length is 256 tokens/);
  expect(await page.$eval('#prompt', (node) => (node as HTMLTextAreaElement).value)).toBe(long);
  const line = server.requestLogs().filter((l) => l.route === '/v1/chat/completions').pop()!;
  expect(line).toMatchObject({ status: 400, errorCode: 'context_length_exceeded' });
  await page.close();
});
