/**
 * `npx projen bench:embeddings`: embeddings per second for batches of 1, 16 and 128 short inputs, the server
 * against raw node-llama-cpp in the same run, on a Qwen3-Embedding-0.6B-shaped model; writes
 * docs/benchmarks/embeddings.{json,md}. Options: --rounds N (5), --threads N (the CPUs), --context-size N (2048),
 * --port N, --cache-dir DIR, --output-dir DIR.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ensureModel } from '../gguf';
import { runEmbeddingBench } from './embeddings-bench';
import { writeEmbeddingReport } from './embeddings-report';
import { describeMachine } from './machine';
import { SERVER_ENTRY } from './server-process';

const REPO_ROOT = path.join(__dirname, '..', '..');

function parse(argv: readonly string[]) {
  const options = {
    rounds: 5,
    threads: os.availableParallelism(),
    contextSize: 2048,
    port: 18360,
    cacheDir: path.join(REPO_ROOT, '.bench-cache'),
    outputDir: path.join(REPO_ROOT, 'docs', 'benchmarks'),
  };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (value === undefined) throw new Error(`${flag} needs a value`);
    const number = () => {
      const n = Number(value);
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} expects a positive whole number, got ${value}`);
      return n;
    };
    switch (flag) {
      case '--rounds': options.rounds = number(); break;
      case '--threads': options.threads = number(); break;
      case '--context-size': options.contextSize = number(); break;
      case '--port': options.port = number(); break;
      case '--cache-dir': options.cacheDir = value; break;
      case '--output-dir': options.outputDir = value; break;
      default: throw new Error(`unknown option ${flag} (--rounds, --threads, --context-size, --port, --cache-dir, --output-dir)`);
    }
  }
  return options;
}

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm --prefix runtime run build first`);
  const machine = describeMachine();
  mkdirSync(options.cacheDir, { recursive: true });
  const model = ensureModel('qwen3-embedding-shaped', { dir: options.cacheDir });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`embeddings: ${options.rounds} rounds, ${options.threads} threads, load ${machine.loadAverageAtStart.join(' ')}, model ${path.relative(REPO_ROOT, model.path)}`);
  const result = await runEmbeddingBench({
    modelPath: model.path,
    rounds: options.rounds,
    threads: options.threads,
    contextSize: options.contextSize,
    batchSizes: [1, 16, 128],
    minInputsPerSample: 32,
    port: options.port,
    log,
  });
  mkdirSync(options.outputDir, { recursive: true });
  writeEmbeddingReport({
    generatedAt: new Date().toISOString(),
    command: ['npx projen bench:embeddings', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine,
    model: { file: path.relative(REPO_ROOT, model.path), bytes: statSync(model.path).size },
    result,
  }, options.outputDir);
  for (const batch of result.batches) {
    log(`batch ${batch.batchSize}: server ÷ raw two contexts ${batch.serverOverRawPool?.median.toFixed(2)}×, ` +
      `server ÷ raw one context ${batch.serverOverRawSingle?.median.toFixed(2)}× (docs/benchmarks/embeddings.md)`);
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
