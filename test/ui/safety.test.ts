// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * What the page must never do: turn model output into markup (an answer holding HTML shows its characters,
 * creates no element and runs nothing), or keep the bearer key anywhere but this tab's sessionStorage. And
 * what it must do on a 401: ask for the key, then send it.
 */
import type { Browser, HTTPRequest } from 'puppeteer-core';
import { ask, lastAnswer, launchBrowser, modelShown, openChat } from './browser';
import { ServerHandle, startServer } from '../runtime/harness';
import { markupModel, scriptedModel } from '../runtime/models';

const markup = markupModel();
const scripted = scriptedModel();
const KEY = 'test-key-0123456789';
let markupServer: ServerHandle;
let keyServer: ServerHandle;
let browser: Browser;

beforeAll(async () => {
  // The browser first: without one, fail at once (and start no server that could outlive the failure).
  browser = await launchBrowser();
  markupServer = await startServer({ env: { LLM_MODEL_PATH: markup.path } });
  keyServer = await startServer({ env: { LLM_MODEL_PATH: scripted.path, LLM_API_KEY: KEY } });
});

afterAll(async () => {
  await browser?.close();
  await Promise.all([markupServer?.stop(), keyServer?.stop()]);
});

describe('model output is text, never markup', () => {
  test('an answer and a reasoning holding HTML show those characters; no element is made and no script runs', async () => {
    const page = await openChat(browser, markupServer.url);
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await ask(page, 'Show me some markup.');
    const shown = await lastAnswer(page);
    expect(shown.state).toBe('done');
    expect(shown.reasoning).toBe(markup.reasoning);
    const conversation = await page.evaluate(() => {
      const answer = document.querySelector('.message.assistant .answer')!;
      return {
        parts: [...answer.children].map((node) => ({ tag: node.tagName, html: node.innerHTML, text: node.textContent })),
        code: answer.querySelector('pre > code')?.textContent,
        language: answer.querySelector('pre')?.getAttribute('data-language'),
        // Elements the markup would have made, anywhere in the document.
        made: document.querySelectorAll('img, b, script:not([src])').length,
        injected: (window as any).__injected,
      };
    });
    // The answer as written: text, a code block (fence dropped, code kept verbatim), text.
    expect(conversation.parts.map((part) => [part.tag, part.text])).toEqual([
      ['P', 'Here: <img src=x onerror="window.__injected=1"> and <b>bold</b>'],
      ['PRE', '<script>window.__injected=2</script>'],
      ['P', 'Done.'],
    ]);
    expect(conversation.code).toBe('<script>window.__injected=2</script>');
    expect(conversation.language).toBe('html');
    // Escaped in the DOM: the characters are text nodes, not tags.
    expect(conversation.parts[0].html).toContain('&lt;img src=x onerror="window.__injected=1"&gt;');
    expect(conversation.made).toBe(0);
    // Give an onerror handler time to fire, had an img been made.
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await page.evaluate(() => (window as any).__injected)).toBeUndefined();
    expect(conversation.injected).toBeUndefined();
    expect(errors).toEqual([]);
    await page.close();
  });

  test('the page makes no request to any other origin, and nothing it does breaks its own CSP', async () => {
    const page = await (await browser.createBrowserContext()).newPage();
    const requested: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (request: HTTPRequest) => { requested.push(request.url()); });
    // A CSP violation (an inline script or style the policy refuses) is reported as a console error.
    page.on('console', (message) => { if (message.type() === 'error') consoleErrors.push(message.text()); });
    await page.goto(`${markupServer.url}/`, { waitUntil: 'networkidle0' });
    await modelShown(page);
    await ask(page, 'Anything external?');
    await lastAnswer(page);
    expect(requested.length).toBeGreaterThan(3);
    expect(requested.filter((url) => !url.startsWith(`${markupServer.url}/`))).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await page.close();
  });
});

describe('a server that needs a bearer key', () => {
  test('the page asks for the key (401), keeps it in sessionStorage only, and sends it as Authorization: Bearer', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const apiCalls: Array<{ url: string; authorization?: string }> = [];
    page.on('request', (request: HTTPRequest) => {
      if (new URL(request.url()).pathname.startsWith('/v1/')) apiCalls.push({ url: new URL(request.url()).pathname, authorization: request.headers().authorization });
    });
    // The page itself needs no key: a browser cannot send one when it navigates.
    const response = await page.goto(`${keyServer.url}/`, { waitUntil: 'load' });
    expect(response?.status()).toBe(200);
    await page.waitForSelector('#key-form:not([hidden])');
    expect(await page.$eval('#notice', (node) => node.textContent)).toBe('The server needs an API key, or refused the one given.');
    expect(apiCalls).toEqual([{ url: '/v1/models', authorization: undefined }]);

    // A wrong key: refused, asked again.
    await page.type('#key-input', 'wrong-key');
    const refused = page.waitForResponse((r) => r.url().endsWith('/v1/models'));
    await page.click('#key-form button[type=submit]');
    expect((await refused).status()).toBe(401);
    await page.waitForSelector('#key-form:not([hidden])');
    expect(apiCalls[1]).toEqual({ url: '/v1/models', authorization: 'Bearer wrong-key' });

    // The right key: the model appears and a question is answered.
    await page.$eval('#key-input', (node) => { (node as HTMLInputElement).value = ''; });
    await page.type('#key-input', KEY);
    await page.click('#key-form button[type=submit]');
    expect(await modelShown(page)).toBe((scripted.path.split('/').pop() ?? '').replace(/\.gguf$/, ''));
    await ask(page, 'Now with the key?');
    const shown = await lastAnswer(page);
    expect(shown).toMatchObject({ state: 'done', answer: scripted.answer });
    const chat = apiCalls.filter((entry) => entry.url === '/v1/chat/completions');
    expect(chat).toEqual([{ url: '/v1/chat/completions', authorization: `Bearer ${KEY}` }]);
    expect(keyServer.requestLogs().filter((l) => l.route === '/v1/chat/completions').map((l) => l.status)).toEqual([200]);

    const storage = await page.evaluate(() => ({ session: { ...sessionStorage }, local: { ...localStorage }, cookies: document.cookie }));
    expect(storage).toEqual({ session: { 'llm-function-url.api-key': KEY }, local: {}, cookies: '' });
    await context.close();
  });

  test('a question refused with 401 mid-conversation is sent again, with the key, once the key is given', async () => {
    const context = await browser.createBrowserContext();
    const page = await context.newPage();
    const chatAuth: Array<string | undefined> = [];
    page.on('request', (request: HTTPRequest) => {
      if (request.url().endsWith('/v1/chat/completions')) chatAuth.push(request.headers().authorization);
    });
    await page.goto(`${keyServer.url}/`, { waitUntil: 'load' });
    await page.waitForSelector('#key-form:not([hidden])');
    // The user ignores the key form and asks anyway.
    await ask(page, 'Without a key?');
    await page.waitForFunction(() => document.querySelectorAll('.message').length === 0 && !document.getElementById('key-form')!.hidden, { polling: 100 });
    expect(chatAuth).toEqual([undefined]);
    await page.type('#key-input', KEY);
    await page.keyboard.press('Enter');
    const shown = await lastAnswer(page);
    expect(shown).toMatchObject({ state: 'done', answer: scripted.answer });
    expect(chatAuth).toEqual([undefined, `Bearer ${KEY}`]);
    expect(await page.$eval('.message.user .bubble', (node) => node.textContent)).toBe('Without a key?');
    await context.close();
  });
});
