/**
 * `npx projen bench:parallel`: concurrent streams on one server (LLM_PARALLEL) against llama.cpp's own server
 * (`llama-server -np N -cb`, with `--llama-server PATH|build`) on the DeepSeek-R1-Distill-Qwen-1.5B-shaped model,
 * and one stream against today's server (the `main` branch, compiled into the cache). Every arm runs every
 * level once per round, in rotating order; ratios are taken round by round. Writes docs/benchmarks/parallel.{json,md}.
 */
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildRuntimeAt } from './baseline-runtime';
import { benchmarkModel } from './bench-model';
import { CpuShare } from './cpu-share';
import { postStreamed } from './http-client';
import { BatchingOptionSample, measureBatchComposition, measureBatchingOptions, measureLoneStream } from './library-probes';
import { buildLlamaCppTool } from './llama-cpp-build';
import { LlamaServerProcess } from './llama-server-process';
import { describeMachine } from './machine';
import { ArmRole, ArmRun } from './parallel-analysis';
import { parseParallelBenchOptions } from './parallel-options';
import { renderParallelReport } from './parallel-report';
import { runConcurrent, runJoin, runSeedCheck } from './parallel-streams';
import { WARM_UP_PROMPT } from './prompts';
import { SERVER_ENTRY, ServerProcess } from './server-process';
import { rotate } from './stats';

const REPO_ROOT = path.join(__dirname, '..', '..');

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** A server under test: what it is, where it listens, which levels it runs. */
interface Arm {
  readonly name: string;
  readonly role: ArmRole;
  readonly port: number;
  readonly pid: number;
  readonly levels: readonly number[];
  /** Runs the join and seed measurements (the servers with several sequences). */
  readonly parallel: boolean;
  readonly stop: () => Promise<void>;
}

async function warmPageCache(file: string): Promise<void> {
  for await (const _chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) { /* read only */ }
}

async function main(): Promise<void> {
  const passed = process.argv.slice(2).filter((arg) => arg !== '--');
  const options = parseParallelBenchOptions(passed, REPO_ROOT);
  const wallStarted = performance.now();
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm --prefix runtime run build first`);
  const machine = describeMachine();
  const cpu = new CpuShare();
  log(`machine: ${machine.logicalCpus} × ${machine.cpuModel}, load ${machine.loadAverageAtStart.join(' ')}`);
  const model = benchmarkModel(options.cacheDir);
  await warmPageCache(model.path);
  const llamaBinary = options.llamaServer === 'build' ? buildLlamaCppTool('llama-server', options.cacheDir, log) : options.llamaServer;
  const baselineEntry = options.baselineRef === 'none' ? undefined : buildRuntimeAt(options.baselineRef, options.cacheDir, log);

  log(`batch composition: ${options.parallel} streams through node-llama-cpp, without and with the step gate`);
  const composition = await measureBatchComposition({ modelPath: model.path, threads: options.threads, streams: options.parallel, rounds: 2 });
  for (const sample of composition) {
    log(`  ${sample.gated ? 'with' : 'without'} the gate: ${sample.tokensPerDecode.toFixed(2)} tokens and ${sample.passesPerDecode.toFixed(2)} passes ` +
      `per decode, ${sample.steadyTokensPerSecond.toFixed(1)} tok/s`);
  }
  log(`a lone stream: a context of 1 sequence against ${options.parallel}, without and with the step gate, and with flash attention`);
  const lone = await measureLoneStream({ modelPath: model.path, threads: options.threads, streams: options.parallel, rounds: 6 });
  for (const sample of lone) log(`  ${sample.variant}: ${sample.decodeTokensPerSecond.toFixed(1)} tok/s`);
  let batching: BatchingOptionSample[] = [];
  if (options.batchingOptions) {
    log('batching options: node-llama-cpp\'s batch size, prioritization and flash attention, with the step gate');
    batching = await measureBatchingOptions({ modelPath: model.path, threads: options.threads, streams: options.parallel, rounds: 3 });
    for (const sample of batching) {
      log(`  ${sample.variant}: aggregate ${sample.aggregateDecodeTokensPerSecond.toFixed(1)} tok/s; a ${sample.joinPromptWords}-word prompt joining: ` +
        `first token after ${sample.joinerTtftMs.toFixed(0)} ms, running streams wait up to ${sample.runningLongestGapMs.toFixed(0)} ms`);
    }
  }

  const all = options.levels;
  const maxTokens = options.tokens * 8;
  const common = { modelPath: model.path, threads: options.threads, contextSize: options.contextSize, maxTokens };
  const quiet = { LLM_WEB_UI: 'false', LLM_QUEUE_SIZE: '16' };
  const arms: Arm[] = [];
  let llamaServerArgs: readonly string[] | undefined;
  const startServer = async (name: string, role: ArmRole, port: number, levels: readonly number[], parallel: number, entry?: string) => {
    const env = { ...quiet, ...(parallel > 1 ? { LLM_PARALLEL: String(parallel) } : {}) };
    const server = await ServerProcess.start({ ...common, port, entry, env });
    cpu.watch(server.pid);
    arms.push({ name, role, port, pid: server.pid, levels, parallel: parallel > 1, stop: () => server.stop() });
  };
  try {
    await startServer(`server, LLM_PARALLEL=${options.parallel}`, 'parallel', options.portBase, all, options.parallel);
    if (llamaBinary !== undefined) {
      const server = await LlamaServerProcess.start({
        binary: llamaBinary,
        modelPath: model.path,
        port: options.portBase + 1,
        threads: options.threads,
        slots: options.parallel,
        contextSizePerSlot: options.contextSize,
      });
      cpu.watch(server.pid);
      llamaServerArgs = server.args.map((arg) => (arg === model.path ? path.relative(REPO_ROOT, arg) : arg));
      arms.push({ name: `llama-server -np ${options.parallel} -cb`, role: 'llama', port: server.port, pid: server.pid, levels: all, parallel: true, stop: () => server.stop() });
    }
    await startServer('server, LLM_PARALLEL=1 (default)', 'default', options.portBase + 2, [1], 1);
    if (baselineEntry !== undefined) await startServer(`today's server (${options.baselineRef})`, 'today', options.portBase + 3, [1], 1, baselineEntry);

    for (const arm of arms) await postStreamed(arm.port, '/v1/completions', { prompt: WARM_UP_PROMPT, max_tokens: 4, temperature: 0, stream: true });

    const runs = new Map<string, ArmRun>(arms.map((arm) => [arm.name, { arm: arm.name, role: arm.role, rounds: [], joins: [], seeds: [] }]));
    let prompt = 0;
    for (let round = 0; round < options.rounds; round++) {
      for (const run of runs.values()) run.rounds.push({});
      for (const [index, streams] of all.entries()) {
        for (const arm of rotate(arms.filter((candidate) => candidate.levels.includes(streams)), round + index)) {
          const sample = await runConcurrent(arm.port, streams, options.tokens, prompt);
          prompt += streams;
          runs.get(arm.name)!.rounds[round][streams] = sample;
          log(`round ${round + 1}/${options.rounds}, ${streams} stream(s), ${arm.name}: aggregate ${sample.aggregateDecodeTokensPerSecond.toFixed(1)} tok/s, ` +
            `per stream ${sample.samples.map((s) => s.decodeTokensPerSecond.toFixed(1)).join(' ')}, tokens ${sample.samples.map((s) => s.completionTokens).join(' ')}`);
        }
      }
      // A new request while the others decode (no starvation), after the level measurements of the round.
      for (const arm of rotate(arms.filter((candidate) => candidate.parallel), round)) {
        const join = await runJoin(arm.port, options.parallel - 1, options.tokens, prompt);
        prompt += options.parallel;
        runs.get(arm.name)!.joins.push(join);
        log(`round ${round + 1}, join, ${arm.name}: time to first token ${join.joinerTtftMs.toFixed(0)} ms with ${join.running} running; ` +
          `their longest gap ${join.runningMaxGapMs.toFixed(0)} ms (usually ${join.runningMedianGapMs.toFixed(0)})`);
      }
    }
    for (let trial = 0; trial < options.seedTrials; trial++) {
      for (const arm of arms.filter((candidate) => candidate.parallel)) {
        const seed = await runSeedCheck(arm.port, options.parallel - 1, 32, prompt, 1000 + trial, 1);
        prompt += options.parallel;
        runs.get(arm.name)!.seeds.push(seed);
        const same = (shared: number, text: string) => (shared === seed.aloneText.length && text.length === shared ? 'identical' : `differs after ${shared} characters`);
        log(`seed ${1000 + trial}, ${arm.name}: alone again ${same(seed.againCommonChars, seed.againText)}, ` +
          `in a shared batch ${same(seed.sharedCommonChars, seed.sharedText)}`);
      }
    }

    for (const arm of arms) cpu.refresh(arm.pid);
    const load = cpu.finish();
    const results = {
      generatedAt: new Date().toISOString(),
      command: ['npx projen bench:parallel', ...(passed.length > 0 ? ['--', ...passed] : [])].join(' '),
      wallSeconds: (performance.now() - wallStarted) / 1000,
      machine,
      load,
      model: { file: path.relative(REPO_ROOT, model.path), bytes: statSync(model.path).size },
      setup: {
        ...options,
        llamaServer: llamaBinary !== undefined ? path.relative(REPO_ROOT, llamaBinary) : undefined,
        llamaServerArgs,
        arms: arms.map((arm) => arm.name),
      },
      composition,
      lone,
      batching,
      runs: [...runs.values()],
    };
    mkdirSync(options.outputDir, { recursive: true });
    writeFileSync(path.join(options.outputDir, 'parallel.json'), `${JSON.stringify(results, null, 2)}\n`);
    const report = renderParallelReport(results);
    writeFileSync(path.join(options.outputDir, 'parallel.md'), report.markdown);
    log('');
    for (const line of report.summary) log(line);
  } finally {
    for (const arm of arms) await arm.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
