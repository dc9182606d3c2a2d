/**
 * The whole project in one offline run (`npx projen demo`), on a machine with no AWS account and no model
 * download:
 *   1. synthesizes the DeepSeek-R1 example stack (examples/deepseek-r1) with its cdk-nag packs, and prints
 *      what `cdk deploy` would create;
 *   2. generates a small "scripted" DeepSeek-R1-style GGUF (real llama.cpp weights whose greedy decoding
 *      follows a fixed script, so it runs in a second on any CPU), serves it with the real runtime on
 *      localhost, and calls it the way a user calls the Function URL: the seed's curl request, then the
 *      official OpenAI SDK, streamed;
 *   3. checks the built-in chat page answers a browser; `DEMO_KEEP_SERVING=1 npx projen demo` keeps the
 *      server up so the page can be opened (Ctrl+C stops it).
 * With a real GGUF file instead: `LLM_MODEL_PATH=./model.gguf node runtime/dist/server.js`.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import OpenAI from 'openai';
import { ensureModel } from '../../test/gguf';
import { createApp } from '../deepseek-r1/app';

const PORT = Number(process.env.PORT ?? 18480);
const SERVER = path.join(__dirname, '..', '..', 'runtime', 'dist', 'server.js');

function synthesizeExample(): void {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'llm-function-url-demo-'));
  const exitCodeBefore = process.exitCode;
  const assembly = createApp({ outdir }).synth();
  if (process.exitCode && process.exitCode !== exitCodeBefore) {
    throw new Error(`cdk-nag reported findings: see ${path.join(outdir, 'validation-report.json')}`);
  }
  const template = assembly.getStackByName('DeepSeekR1').template;
  const fn = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Function').Properties;
  const url = Object.values<any>(template.Resources).find((r) => r.Type === 'AWS::Lambda::Url').Properties;
  const types = Object.values<any>(template.Resources).map((r) => r.Type).sort();
  console.log(`\n1. examples/deepseek-r1 synthesized to ${outdir} (cdk-nag AwsSolutions + Serverless: no findings)`);
  console.log(`   resources: ${types.join(', ')}`);
  console.log(`   function:  ${fn.Architectures.join()} ${fn.MemorySize} MB, timeout ${fn.Timeout} s, /tmp ${fn.EphemeralStorage.Size} MB, ${fn.Environment.Variables.LLM_THREADS} threads`);
  console.log(`   URL:       AuthType ${url.AuthType}, InvokeMode ${url.InvokeMode}`);
}

async function waitUntilReady(url: string, deadline: number): Promise<void> {
  while (Date.now() < deadline) {
    const ok = await fetch(url).then((r) => r.ok, () => false);
    if (ok) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} did not become ready`);
}

async function serveAndCall(): Promise<void> {
  const model = await ensureModel('scripted', {
    reasoning: 'The user wants a short explanation of quantum computing. I should mention qubits.',
    answer: 'Quantum computing uses qubits, which can be in superpositions of 0 and 1, to solve some problems faster than classical computers.',
  });
  console.log(`\n2. serving ${path.basename(model.path)} (a generated, scripted DeepSeek-R1-style model) on http://127.0.0.1:${PORT}`);
  const server = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', HOME: os.tmpdir(), PORT: String(PORT), LLM_MODEL_PATH: model.path, LLM_MODEL_ID: 'deepseek-r1-demo' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    await waitUntilReady(`http://127.0.0.1:${PORT}/health`, Date.now() + 60_000);

    console.log(`\n   $ curl -X POST http://127.0.0.1:${PORT}/ -d '{"prompt": "Explain quantum computing"}'`);
    const seed = await fetch(`http://127.0.0.1:${PORT}/`, { method: 'POST', body: JSON.stringify({ prompt: 'Explain quantum computing' }) });
    console.log(`   ${seed.status} ${await seed.text()}`);

    console.log('\n   OpenAI SDK, streamed (delta.reasoning_content, then delta.content):');
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${PORT}/v1`, apiKey: 'unused' });
    const stream = await client.chat.completions.create({
      model: 'deepseek-r1-demo',
      messages: [{ role: 'user', content: 'Explain quantum computing' }],
      stream: true,
    });
    let section = '';
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta as { content?: string | null; reasoning_content?: string } | undefined;
      for (const [name, text] of [['reasoning', delta?.reasoning_content], ['answer', delta?.content]] as const) {
        if (!text) continue;
        if (section !== name) process.stdout.write(`\n   ${name}: `);
        section = name;
        process.stdout.write(text);
      }
    }
    process.stdout.write('\n');

    const page = await fetch(`http://127.0.0.1:${PORT}/`, { headers: { accept: 'text/html' } });
    console.log(`\n3. the chat page: GET / from a browser -> ${page.status} ${page.headers.get('content-type')}`);
    if (process.env.DEMO_KEEP_SERVING === '1') {
      console.log(`   open http://127.0.0.1:${PORT}/ in a browser; Ctrl+C stops the server`);
      await new Promise((resolve) => process.once('SIGINT', resolve));
    } else {
      console.log(`   to try it: DEMO_KEEP_SERVING=1 npx projen demo, then open http://127.0.0.1:${PORT}/`);
    }
  } finally {
    server.kill('SIGTERM');
  }
}

async function main(): Promise<void> {
  synthesizeExample();
  await serveAndCall();
  console.log('\nDone. Deploy the real thing: cd examples/deepseek-r1 && npx cdk deploy (see its README).');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
