/**
 * `npx projen bench:prefix`: only the prefix-reuse measurement of the benchmark (about two minutes instead
 * of the whole run); writes docs/benchmarks/prefix-reuse.{json,md}. `npx projen bench` runs it too.
 */
import { existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ensureModel } from '../gguf';
import { parseBenchOptions } from './bench-options';
import { describeMachine } from './machine';
import { prefixReuseOptions, runPrefixReuse } from './prefix-reuse';
import { writePrefixReuseReport } from './prefix-reuse-report';
import { SERVER_ENTRY } from './server-process';

const REPO_ROOT = path.join(__dirname, '..', '..');

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), REPO_ROOT);
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm --prefix runtime run build first`);
  const machine = describeMachine();
  mkdirSync(options.cacheDir, { recursive: true });
  const model = ensureModel('deepseek-r1-shaped', { dir: options.cacheDir });
  const log = (line: string) => process.stdout.write(`${line}\n`);
  log(`prefix reuse: ${options.rounds} rounds, ${options.threads} threads, model ${path.relative(REPO_ROOT, model.path)}`);
  const prefixReuse = await runPrefixReuse(prefixReuseOptions(options, model.path, log));
  mkdirSync(options.outputDir, { recursive: true });
  writePrefixReuseReport({
    generatedAt: new Date().toISOString(),
    command: ['npx projen bench:prefix', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    machine,
    model: { file: path.relative(REPO_ROOT, model.path), bytes: statSync(model.path).size },
    prefixReuse,
  }, options.outputDir);
  log(`turn 2 without reuse / with reuse: ${prefixReuse.turn2SlowdownWithoutReuse?.median.toFixed(1)}× (docs/benchmarks/prefix-reuse.md)`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
