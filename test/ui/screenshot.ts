// The page functions below run in the browser: type them against the DOM.
/// <reference lib="dom" />
/**
 * Writes docs/web-ui.png: the chat page after one streamed answer (reasoning folded, a code block, the usage
 * line), served by the real runtime on a generated scripted model. `npx projen docs:web-ui-screenshot`.
 */
import * as path from 'node:path';
import { ask, lastAnswer, launchBrowser, modelShown, openChat } from './browser';
import { startServer } from '../runtime/harness';
import { codeAnswerModel } from '../runtime/models';

const OUTPUT = path.join(__dirname, '..', '..', 'docs', 'web-ui.png');

async function main(): Promise<void> {
  const model = codeAnswerModel();
  const server = await startServer({ env: { LLM_MODEL_PATH: model.path, LLM_MODEL_ID: 'scripted-r1-test-model' } });
  const browser = await launchBrowser();
  try {
    const page = await openChat(browser, server.url, { width: 960, height: 640 });
    await modelShown(page);
    await ask(page, 'How do I reverse a string in JavaScript?');
    const shown = await lastAnswer(page);
    if (shown.answer === '' || shown.state !== 'done') throw new Error(`no answer shown: ${JSON.stringify(shown)}`);
    // Unfold the reasoning (it folds itself once the answer starts) so the picture shows both.
    await page.click('.message.assistant .reasoning summary');
    // The caret blinks and the cursor sits in the prompt: move both out of the picture.
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.screenshot({ path: OUTPUT as `${string}.png` });
    process.stdout.write(`wrote ${OUTPUT}\n`);
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error instanceof Error ? error.stack : error)}\n`);
  process.exitCode = 1;
});
