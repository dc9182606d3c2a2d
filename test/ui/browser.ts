// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * A real headless browser for the web page tests: Debian's Chromium driven by puppeteer-core, which
 * downloads nothing. A missing browser fails the tests with what to install; it never skips them.
 */
import * as fs from 'node:fs';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';

/** Debian's package (`apt-get install -y chromium`); CHROMIUM_PATH points elsewhere on other systems. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function launchBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`The web page tests need Chromium at ${CHROMIUM}, and it is missing: install it (Debian: apt-get install -y chromium) ` +
      'or set CHROMIUM_PATH to a Chromium or Chrome binary.');
  }
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start; the page under test is our own.
  return puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
}

/** Opens the chat page as a browser would (the navigation asks for text/html) and waits for its script. */
export async function openChat(browser: Browser, url: string, viewport = { width: 1100, height: 760 }): Promise<Page> {
  const page = await browser.newPage();
  await page.setViewport(viewport);
  const response = await page.goto(`${url}/`, { waitUntil: 'load' });
  if (response?.status() !== 200) throw new Error(`GET / answered ${response?.status()}: ${await response?.text()}`);
  return page;
}

/** Waits until the header shows a model id (it comes from /v1/models). */
export async function modelShown(page: Page): Promise<string> {
  await page.waitForFunction(() => document.getElementById('status-dot')?.dataset.state === 'ready', { polling: 100 });
  return page.$eval('#model-name', (node) => node.textContent ?? '');
}

/** Types a question and sends it with Enter, as a user does. */
export async function ask(page: Page, question: string): Promise<void> {
  await page.click('#prompt');
  await page.type('#prompt', question);
  await page.keyboard.press('Enter');
}

/** The last answer as the page shows it, once it is no longer streaming. */
export interface ShownAnswer {
  readonly state: string;
  readonly reasoning: string;
  readonly reasoningVisible: boolean;
  readonly answer: string;
  readonly status: string;
}

export async function lastAnswer(page: Page, timeoutMs = 60_000): Promise<ShownAnswer> {
  await page.waitForFunction(() => {
    const all = document.querySelectorAll('.message.assistant');
    const last = all[all.length - 1] as HTMLElement | undefined;
    return last !== undefined && last.dataset.state !== 'streaming';
  }, { timeout: timeoutMs, polling: 100 });
  return page.evaluate(() => {
    const all = document.querySelectorAll('.message.assistant');
    const last = all[all.length - 1] as HTMLElement;
    const reasoning = last.querySelector('.reasoning') as HTMLDetailsElement;
    return {
      state: last.dataset.state ?? '',
      reasoning: last.querySelector('.reasoning-text')?.textContent ?? '',
      reasoningVisible: !reasoning.hidden,
      answer: last.querySelector('.answer')?.textContent ?? '',
      status: last.querySelector('.status')?.textContent ?? '',
    };
  });
}
