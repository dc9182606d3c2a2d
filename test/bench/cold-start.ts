/**
 * `npx projen bench:cold-start`: the Lambda image's cold start, phase by phase, on the DeepSeek-R1-1.5B-shaped
 * model (1.0 GB), and the SnapStart restore path against a warm request. Runs the real image with docker or
 * podman (CONTAINER_ENGINE; BASE_IMAGE / LWA_IMAGE as for the container test), read-only, uid 1000, the model
 * bind-mounted read-only. Writes docs/benchmarks/cold-start.{json,md}.
 *
 * Cold start: container start → server listening → weights in memory → context allocated (ready) → first token,
 * with the page cache dropped (`echo 3 > /proc/sys/vm/drop_caches`, needs root) and warm, reading the file
 * (LLM_USE_MMAP=false) and mapping it (true); conditions interleaved, each run a fresh container.
 * Restore: what a SnapStart environment does after a restore (the after-restore hook, then the first request)
 * against the same request on a warm server, and the first request of a server that was not warmed.
 *
 *   npx ts-node --project tsconfig.dev.json test/bench/cold-start.ts [--runs N] [--threads N]
 */
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchmarkModel } from './bench-model';
import { getJson, postStreamed } from './http-client';
import { describeMachine } from './machine';
import { formatSummary, rotate, summarize, Summary } from './stats';
import { ContainerEngine, pickEngine } from '../container/engine';

const REPO_ROOT = path.join(__dirname, '..', '..');
const IMAGE = `localhost/llm-function-url-bench:cold-start-${process.pid}`;
const MODEL_IN_CONTAINER = '/models/model.gguf';
const HOOKS = { before: '/_snapstart/before-checkpoint', after: '/_snapstart/after-restore' };
/**
 * Two prompts of the same shape that differ from their first word: a warm server keeps the evaluated tokens a
 * new prompt shares with the previous one, so repeating a prompt would measure that reuse, not warmth.
 */
const PROMPTS = { first: 'Alpha: say hello to the user.', next: 'Bravo: say hello to the user.' } as const;
const request = (content: string) => ({ model: 'bench', messages: [{ role: 'user', content }], max_tokens: 8, temperature: 0, stream: true });

interface Options { readonly runs: number; readonly threads: number; readonly port: number; readonly cacheDir: string; readonly outputDir: string }

function parseOptions(argv: readonly string[]): Options {
  let options: Options = { runs: 3, threads: Math.min(2, os.availableParallelism()), port: 18290, cacheDir: path.join(REPO_ROOT, '.bench-cache'), outputDir: path.join(REPO_ROOT, 'docs', 'benchmarks') };
  for (let i = 0; i < argv.length; i += 2) {
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${argv[i]} expects a positive whole number`);
    if (argv[i] === '--runs') options = { ...options, runs: value };
    else if (argv[i] === '--threads') options = { ...options, threads: value };
    else throw new Error(`unknown option ${argv[i]}; usage: cold-start.ts [--runs N] [--threads N]`);
  }
  return options;
}

type Loading = 'read' | 'mmap';
type Cache = 'dropped' | 'warm';
interface Condition { readonly loading: Loading; readonly cache: Cache }
const CONDITIONS: Condition[] = [
  { loading: 'read', cache: 'dropped' }, { loading: 'mmap', cache: 'dropped' },
  { loading: 'read', cache: 'warm' }, { loading: 'mmap', cache: 'warm' },
];
const conditionName = (c: Condition) => `${c.loading}, page cache ${c.cache}`;

/** Milliseconds of each phase of one cold start. */
interface ColdStart {
  readonly toListening: number;
  readonly weights: number;
  readonly context: number;
  readonly toReady: number;
  readonly readyToFirstToken: number;
  readonly total: number;
}
const PHASES: Array<[keyof ColdStart, string]> = [
  ['toListening', 'container start → server listening'],
  ['weights', 'weights in memory (read/map + repack)'],
  ['context', 'context allocated (KV cache, buffers)'],
  ['toReady', 'listening → ready (/health 200)'],
  ['readyToFirstToken', 'ready → first token (first request)'],
  ['total', 'container start → first token'],
];

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

function dropPageCache(): void {
  execFileSync('sync');
  writeFileSync('/proc/sys/vm/drop_caches', '3');
}

async function readWhole(file: string): Promise<void> {
  for await (const _chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) { /* into the page cache */ }
}

/** The server's JSON log lines by event, with their timestamps as epoch milliseconds. */
async function serverEvents(engine: ContainerEngine, id: string): Promise<Map<string, Record<string, any>>> {
  const events = new Map<string, Record<string, any>>();
  for (const line of (await engine.logs(id)).split('\n')) {
    try {
      const parsed = JSON.parse(line);
      if (typeof parsed?.event === 'string' && !events.has(parsed.event)) events.set(parsed.event, { ...parsed, at: Date.parse(parsed.time) });
    } catch { /* engine noise */ }
  }
  return events;
}

class Bench {
  constructor(private readonly engine: ContainerEngine, private readonly modelPath: string, private readonly options: Options) {}

  /** Starts a container of the image; resolves with its id and the epoch ms just before `run`. */
  async start(env: Record<string, string>): Promise<{ id: string; startedAt: number }> {
    const startedAt = Date.now();
    const result = await this.engine.mustRun(['run', '-d', '--network', 'host', '--read-only', '--tmpfs', '/tmp', '--user', '1000:1000',
      '-v', `${this.modelPath}:${MODEL_IN_CONTAINER}:ro`,
      ...Object.entries({ PORT: String(this.options.port), LLM_MODEL_PATH: MODEL_IN_CONTAINER, LLM_THREADS: String(this.options.threads), ...env })
        .flatMap(([name, value]) => ['-e', `${name}=${value}`]),
      IMAGE]);
    return { id: result.stdout.trim().split('\n').pop()!.trim(), startedAt };
  }

  async waitReady(id: string, timeoutMs = 180_000): Promise<number> {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const health = await getJson(this.options.port, '/health', 1000).catch(() => undefined);
      if (health?.status === 200) return Date.now();
      const state = await this.engine.inspect(id, 'container');
      if (state.State?.Running !== true) throw new Error(`the container exited:\n${(await this.engine.logs(id)).slice(-3000)}`);
      await sleep(10);
    }
    throw new Error(`not ready in ${timeoutMs} ms`);
  }

  /** Time to first token of one streamed chat request, as the client sees it. */
  async firstToken(prompt: string = PROMPTS.first): Promise<{ sentAt: number; ttftMs: number }> {
    const sentAt = Date.now();
    const result = await postStreamed(this.options.port, '/v1/chat/completions', request(prompt));
    if (result.status !== 200 || !Number.isFinite(result.ttftMs)) throw new Error(`request failed: ${result.status}`);
    return { sentAt, ttftMs: result.ttftMs };
  }

  async hook(pathName: string): Promise<void> {
    const response = await fetch(`http://127.0.0.1:${this.options.port}${pathName}`, { method: 'POST' });
    if (response.status !== 200) throw new Error(`${pathName} answered ${response.status}`);
  }

  async coldStart(condition: Condition): Promise<ColdStart> {
    if (condition.cache === 'dropped') dropPageCache();
    else await readWhole(this.modelPath);
    const { id, startedAt } = await this.start({ LLM_USE_MMAP: String(condition.loading === 'mmap') });
    try {
      await this.waitReady(id);
      const first = await this.firstToken();
      const events = await serverEvents(this.engine, id);
      const listening = events.get('listening')!.at;
      const loaded = events.get('model_loaded')!;
      const ready = events.get('ready')!.at;
      const firstTokenAt = first.sentAt + first.ttftMs;
      return {
        toListening: listening - startedAt,
        weights: loaded.weightsMs,
        context: loaded.contextMs,
        toReady: ready - listening,
        readyToFirstToken: firstTokenAt - ready,
        total: firstTokenAt - startedAt,
      };
    } finally {
      await this.engine.removeContainer(id);
    }
  }

  /**
   * One environment as SnapStart runs it (warm-up hook, then after-restore hook, then the first request), and
   * the same request again on the now warm server; plus the first request of a server that was not warmed.
   */
  async restorePath(): Promise<{ restoreToFirstToken: number; warmTtft: number; unwarmedFirstTtft: number }> {
    await readWhole(this.modelPath);
    const hooks = { AWS_LWA_SNAPSTART_BEFORE_CHECKPOINT_PATH: HOOKS.before, AWS_LWA_SNAPSTART_AFTER_RESTORE_PATH: HOOKS.after };
    const snap = await this.start(hooks);
    let restoreToFirstToken: number;
    let warmTtft: number;
    try {
      await this.waitReady(snap.id);
      await this.hook(HOOKS.before);
      const restoreAt = Date.now();
      await this.hook(HOOKS.after);
      const first = await this.firstToken();
      restoreToFirstToken = first.sentAt + first.ttftMs - restoreAt;
      warmTtft = (await this.firstToken(PROMPTS.next)).ttftMs;
    } finally {
      await this.engine.removeContainer(snap.id);
    }
    const plain = await this.start({});
    try {
      await this.waitReady(plain.id);
      return { restoreToFirstToken, warmTtft, unwarmedFirstTtft: (await this.firstToken()).ttftMs };
    } finally {
      await this.engine.removeContainer(plain.id);
    }
  }
}

/** Milliseconds summarised as seconds. */
const fmt = (s: Summary | undefined) =>
  formatSummary(s === undefined ? undefined : { ...s, median: s.median / 1000, min: s.min / 1000, max: s.max / 1000 }, 2);

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const engine = new ContainerEngine(pickEngine());
  const machine = describeMachine();
  const wallStarted = Date.now();
  log(`machine: ${machine.logicalCpus} × ${machine.cpuModel}, load ${machine.loadAverageAtStart.join(' ')}`);
  const model = benchmarkModel(options.cacheDir);
  log(`model: ${path.relative(REPO_ROOT, model.path)}`);

  execFileSync('npm', ['--prefix', path.join(REPO_ROOT, 'runtime'), 'run', 'build'], { stdio: 'ignore' });
  const buildArgs = ['MODEL_SOURCE=none', ...(process.env.BASE_IMAGE ? [`BASE_IMAGE=${process.env.BASE_IMAGE}`] : []), ...(process.env.LWA_IMAGE ? [`LWA_IMAGE=${process.env.LWA_IMAGE}`] : [])];
  await engine.mustRun(['build', '--network', 'host', '-t', IMAGE, ...buildArgs.flatMap((arg) => ['--build-arg', arg]), path.join(REPO_ROOT, 'runtime')]);
  const bench = new Bench(engine, model.path, options);

  const cold = new Map<string, ColdStart[]>(CONDITIONS.map((c) => [conditionName(c), []]));
  const restores: Array<{ restoreToFirstToken: number; warmTtft: number; unwarmedFirstTtft: number }> = [];
  try {
    for (let run = 0; run < options.runs; run++) {
      for (const condition of rotate(CONDITIONS, run)) {
        const sample = await bench.coldStart(condition);
        cold.get(conditionName(condition))!.push(sample);
        log(`run ${run + 1} ${conditionName(condition)}: ${PHASES.map(([key]) => `${key} ${(sample[key] / 1000).toFixed(2)} s`).join(', ')}`);
      }
      const restore = await bench.restorePath();
      restores.push(restore);
      log(`run ${run + 1} restore: restore → first token ${restore.restoreToFirstToken.toFixed(0)} ms, warm TTFT ${restore.warmTtft.toFixed(0)} ms, un-warmed first TTFT ${restore.unwarmedFirstTtft.toFixed(0)} ms`);
    }
  } finally {
    await engine.removeImage(IMAGE);
  }

  const summaries = Object.fromEntries([...cold].map(([name, samples]) => [name,
    Object.fromEntries(PHASES.map(([key]) => [key, summarize(samples.map((s) => s[key]))])) as Record<keyof ColdStart, Summary>]));
  const restoreSummary = {
    restoreToFirstToken: summarize(restores.map((r) => r.restoreToFirstToken))!,
    warmTtft: summarize(restores.map((r) => r.warmTtft))!,
    unwarmedFirstTtft: summarize(restores.map((r) => r.unwarmedFirstTtft))!,
    restoreOverWarm: summarize(restores.map((r) => r.restoreToFirstToken / r.warmTtft))!,
    unwarmedOverWarm: summarize(restores.map((r) => r.unwarmedFirstTtft / r.warmTtft))!,
  };
  const command = `npx projen bench:cold-start${options.runs !== 3 ? ` --runs ${options.runs}` : ''}`;
  mkdirSync(options.outputDir, { recursive: true });
  writeFileSync(path.join(options.outputDir, 'cold-start.json'), `${JSON.stringify({ command, machine, options: { runs: options.runs, threads: options.threads }, coldStart: summaries, restore: restoreSummary, wallSeconds: Math.round((Date.now() - wallStarted) / 1000) }, null, 2)}\n`);

  const header = `| phase (seconds, median [min–max] of ${options.runs}) | ${CONDITIONS.map(conditionName).join(' | ')} |`;
  const rows = PHASES.map(([key, label]) => `| ${label} | ${CONDITIONS.map((c) => fmt(summaries[conditionName(c)][key])).join(' | ')} |`);
  const ms = (s: Summary) => `${s.median.toFixed(0)} ms [${s.min.toFixed(0)}–${s.max.toFixed(0)}]`;
  const ratio = (s: Summary) => `${s.median.toFixed(2)} × [${s.min.toFixed(2)}–${s.max.toFixed(2)}]`;
  const markdown = [
    '# Cold start and SnapStart restore',
    '',
    `Measured by \`${command}\` (needs docker or podman and root for dropping the page cache) on ${machine.logicalCpus} × ${machine.cpuModel}, ${options.threads} threads, `
      + 'the DeepSeek-R1-Distill-Qwen-1.5B-shaped model (1.0 GB, Q4_0, random weights) bind-mounted read-only into the image; each run a fresh container (read-only root, uid 1000). '
      + 'Conditions interleaved; phases from the server\'s own start-up log, first token as the client sees it. A shared machine: compare within one run.',
    '',
    '## Cold start, phase by phase',
    '',
    header,
    `|---|${CONDITIONS.map(() => '---').join('|')}|`,
    ...rows,
    '',
    '## SnapStart restore path',
    '',
    'A SnapStart environment: the before-checkpoint hook warms the engine (one short generation) before the snapshot; after a restore the',
    'after-restore hook runs and the first request follows. Measured here in one process (no real snapshot: Lambda\'s own restore of the',
    'memory image comes on top, see the README).',
    '',
    'Each request is a short chat (two prompts of the same shape that differ from their first word, so the warm request',
    'cannot reuse the previous prompt\'s evaluated tokens), streamed, 8 tokens, temperature 0.',
    '',
    '| measure | value |',
    '|---|---|',
    `| after-restore hook → first token of the first request | ${ms(restoreSummary.restoreToFirstToken)} |`,
    `| time to first token of a warm request (same server, next request, other prompt) | ${ms(restoreSummary.warmTtft)} |`,
    `| ratio restore path / warm request (per run) | ${ratio(restoreSummary.restoreOverWarm)} |`,
    `| first request of a server that was not warmed | ${ms(restoreSummary.unwarmedFirstTtft)} (${ratio(restoreSummary.unwarmedOverWarm)} warm) |`,
    '',
  ].join('\n');
  writeFileSync(path.join(options.outputDir, 'cold-start.md'), markdown);
  log(`\n${markdown}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack ?? error.message : String(error));
  process.exit(1);
});
