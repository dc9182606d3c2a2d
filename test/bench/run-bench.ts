/**
 * `npm run bench`: the LLM server against raw node-llama-cpp on a DeepSeek-R1-Distill-Qwen-1.5B-shaped
 * model, interleaved A/B, several rounds; writes docs/benchmarks/{results.json,README.md,*.svg}.
 * See docs/benchmarks/README.md for what each number means.
 */
import { createReadStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { analyse } from './analysis';
import { benchmarkModel } from './bench-model';
import { parseBenchOptions } from './bench-options';
import { estimateLambdaCosts } from './cost-estimate';
import { decodeChartSvg } from './decode-chart';
import { LlamaBenchRow, runLlamaBench } from './llama-bench';
import { describeMachine } from './machine';
import { runMainComparison } from './main-comparison';
import { prefixReuseOptions, runPrefixReuse } from './prefix-reuse';
import { writePrefixReuseReport } from './prefix-reuse-report';
import { benchmarkPrompt } from './prompts';
import { renderReadme } from './report-markdown';
import { measureRuntimeLayer, RuntimeLayerSize } from './runtime-size';
import { SERVER_ENTRY } from './server-process';
import { runThreadSweep } from './thread-sweep';

const REPO_ROOT = path.join(__dirname, '..', '..');
// More threads than CPUs can be a hundred times slower: cap each sweep generation so the run stays short.
export const SWEEP_CAP_SECONDS = 10;

function log(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Reads the file once so every process loads from the page cache: start-up numbers are warm starts. */
async function warmPageCache(file: string): Promise<void> {
  for await (const _chunk of createReadStream(file, { highWaterMark: 8 * 1024 * 1024 })) { /* read only */ }
}

async function main(): Promise<void> {
  const options = parseBenchOptions(process.argv.slice(2), REPO_ROOT);
  const wallStarted = performance.now();
  if (!existsSync(SERVER_ENTRY)) throw new Error(`${SERVER_ENTRY} is missing: run npm --prefix runtime run build first`);
  const machine = describeMachine();
  log(`machine: ${machine.logicalCpus} × ${machine.cpuModel}, ${machine.totalMemoryGiB} GiB, node ${machine.node}, load ${machine.loadAverageAtStart.join(' ')}`);

  const model = benchmarkModel(options.cacheDir);
  const modelBytes = statSync(model.path).size;
  log(`model: ${path.relative(REPO_ROOT, model.path)} (${(modelBytes / 1e9).toFixed(2)} GB, ${model.cached ? 'cached' : `generated in ${(model.generatedMs / 1000).toFixed(1)} s`})`);
  await warmPageCache(model.path);

  log(`main comparison: ${options.sessions} sessions × ${options.rounds} rounds, ${options.tokens} tokens, ${options.threads} threads, context ${options.contextSize}`);
  const comparison = await runMainComparison({
    modelPath: model.path,
    sessions: options.sessions,
    rounds: options.rounds,
    tokens: options.tokens,
    threads: options.threads,
    contextSize: options.contextSize,
    port: options.portBase,
    libraryArm: options.libraryArm,
    log,
  });

  log(`thread sweep: ${options.sweepThreads.join(', ')} threads, ${options.sweepRounds} rounds, ${options.sweepTokens} tokens`);
  const sweep = await runThreadSweep({
    modelPath: model.path,
    threads: options.sweepThreads,
    rounds: options.sweepRounds,
    tokens: options.sweepTokens,
    contextSize: options.contextSize,
    portBase: options.portBase + 10,
    firstPromptIndex: options.sessions * options.rounds * 4,
    maxGenerationSeconds: SWEEP_CAP_SECONDS,
    log,
  });

  log(`prefix reuse: ${options.rounds} rounds, turn 2 after turn 1 against LLM_ISOLATE_REQUESTS=true`);
  const prefixReuse = await runPrefixReuse(prefixReuseOptions(options, model.path, log));

  let llamaBench: LlamaBenchRow[] | undefined;
  if (options.llamaBench) {
    const promptTokens = comparison.generations.rawEvaluate[0]?.promptTokens ?? 128;
    log(`llama-bench: ${options.llamaBench} (pp${promptTokens}, tg${options.tokens}, threads ${options.threads})`);
    llamaBench = runLlamaBench(options.llamaBench, model.path, {
      threads: [...new Set([1, options.threads])], promptTokens, generateTokens: options.tokens, repetitions: 3,
    });
  }

  let runtimeLayer: RuntimeLayerSize | undefined;
  try {
    runtimeLayer = measureRuntimeLayer(path.join(REPO_ROOT, 'runtime'));
  } catch (error) {
    log(`runtime layer size not measured: ${String(error)}`);
  }

  const analysis = analyse(comparison, sweep, modelBytes);
  const cost = estimateLambdaCosts(analysis, modelBytes, comparison.kvCacheBytes / comparison.contextSize);
  const loadAverageAtEnd = os.loadavg().map((value) => Math.round(value * 100) / 100);
  const wallSeconds = (performance.now() - wallStarted) / 1000;
  const results = {
    generatedAt: new Date().toISOString(),
    command: ['npx projen bench', ...(process.argv.length > 2 ? ['--', ...process.argv.slice(2)] : [])].join(' '),
    wallSeconds,
    machine: { ...machine, loadAverageAtEnd },
    setup: {
      model: {
        file: path.relative(REPO_ROOT, model.path),
        bytes: modelBytes,
        generated: !model.cached,
        generationMs: model.generatedMs,
        shape: 'qwen2, 28 blocks, 1536 hidden, 8960 ffn, 12 heads, 2 KV heads, vocab 151936, Q4_0 random weights',
      },
      tokens: options.tokens,
      sessions: options.sessions,
      rounds: options.rounds,
      threads: options.threads,
      contextSize: comparison.contextSize,
      batchSize: comparison.batchSize,
      kvCacheBytes: comparison.kvCacheBytes,
      examplePrompt: benchmarkPrompt(0),
      sweepThreads: options.sweepThreads,
      sweepRounds: options.sweepRounds,
      sweepTokens: options.sweepTokens,
      sweepCapSeconds: SWEEP_CAP_SECONDS,
    },
    targets: analysis.targets,
    summary: { arms: analysis.arms, processes: analysis.processes, paired: analysis.paired, rssBoundBytes: analysis.rssBoundBytes },
    sweep: analysis.sweep,
    bestThreads: analysis.bestThreads,
    llamaBench,
    runtimeLayer,
    cost,
    problems: comparison.problems,
    samples: { main: comparison.generations, processes: comparison.processes, sweep },
  };

  mkdirSync(options.outputDir, { recursive: true });
  writeFileSync(path.join(options.outputDir, 'results.json'), JSON.stringify(results, null, 2) + '\n');
  writeFileSync(path.join(options.outputDir, 'decode-tokens-per-second.svg'), decodeChartSvg(analysis, options, llamaBench));
  writeFileSync(path.join(options.outputDir, 'README.md'), renderReadme(results, analysis));
  writePrefixReuseReport({
    generatedAt: results.generatedAt,
    command: results.command,
    machine,
    model: { file: results.setup.model.file, bytes: modelBytes },
    prefixReuse,
  }, options.outputDir);

  log('');
  for (const target of analysis.targets) {
    const m = target.spread;
    log(`${target.pass ? 'PASS' : 'MISS'}${target.clear ? '' : ' (within noise)'}  ${target.name}: ${target.value?.toFixed(3) ?? 'n/a'} ${target.unit} (goal ${target.goal}; ` +
      `per round ${m ? `${m.median.toFixed(2)} [${m.min.toFixed(2)}–${m.max.toFixed(2)}]` : 'n/a'})`);
  }
  if (analysis.bestThreads !== undefined) log(`fastest decode in the thread sweep: ${analysis.bestThreads} threads`);
  for (const problem of comparison.problems) log(`note: ${problem}`);
  log(`wrote ${path.relative(REPO_ROOT, options.outputDir)}/ in ${wallSeconds.toFixed(0)} s`);
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
