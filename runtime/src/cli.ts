#!/usr/bin/env node
import { parseArgs } from 'node:util';

/**
 * `node runtime/dist/cli.js --model ./model.gguf --port 8080`: the same server as server.js, with the most
 * used settings as flags. Flags set the matching environment variables (they win over the environment).
 */
const FLAGS = {
  model: { env: 'LLM_MODEL_PATH', help: 'GGUF file to serve (default: download the default model once)' },
  port: { env: 'PORT', help: 'HTTP port (default 8080)' },
  host: { env: 'HOST', help: 'bind address (default 127.0.0.1)' },
  'context-size': { env: 'LLM_CONTEXT_SIZE', help: 'context size in tokens (default 4096)' },
  threads: { env: 'LLM_THREADS', help: 'CPU threads (default: all visible CPUs)' },
  'max-tokens': { env: 'LLM_MAX_TOKENS', help: 'cap on max_tokens (default 2048)' },
  parallel: { env: 'LLM_PARALLEL', help: 'generations decoded at once, 1-64 (default 1; the KV cache grows as many times)' },
  'api-key': { env: 'LLM_API_KEY', help: 'require "Authorization: Bearer <key>"' },
  'model-id': { env: 'LLM_MODEL_ID', help: 'model id reported by the API' },
  'web-ui': { env: 'LLM_WEB_UI', help: 'serve the chat page at / (default true; "false" turns it off)' },
  'allowed-origins': { env: 'LLM_ALLOWED_ORIGINS', help: 'web origins whose pages may call the API (comma-separated, * for any)' },
  embeddings: { env: 'LLM_EMBEDDINGS', help: '"true": a generation model also answers /v1/embeddings (embedding models always do)' },
} as const;

type Flag = keyof typeof FLAGS;

const { values } = parseArgs({
  options: {
    ...Object.fromEntries(Object.keys(FLAGS).map((name) => [name, { type: 'string' as const }])),
    help: { type: 'boolean', short: 'h' },
  },
  strict: true,
});

if (values.help) {
  const lines = Object.entries(FLAGS).map(([name, flag]) => `  --${name.padEnd(14)} ${flag.help} [${flag.env}]`);
  process.stdout.write(`Usage: llm-function-url-server [options]\n\nServes a GGUF model with an OpenAI-compatible API.\n\n${lines.join('\n')}\n\nEvery other setting is an environment variable (see runtime/README.md).\n`);
  process.exit(0);
}

for (const [name, flag] of Object.entries(FLAGS) as Array<[Flag, (typeof FLAGS)[Flag]]>) {
  const value = (values as Record<string, unknown>)[name];
  if (typeof value === 'string') process.env[flag.env] = value;
}

await import('./server.js');
