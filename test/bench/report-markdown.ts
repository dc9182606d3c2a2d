import { Analysis, MIB, scaleSummary } from './analysis';
import { CostEstimate } from './cost-estimate';
import { ARM_LABELS } from './decode-chart';
import { LlamaBenchRow } from './llama-bench';
import { MachineDescription } from './machine';
import { SHORT_PROMPT_WORDS } from './main-comparison';
import { RuntimeLayerSize } from './runtime-size';
import { formatSummary } from './stats';

export interface BenchResults {
  readonly generatedAt: string;
  readonly command: string;
  readonly wallSeconds: number;
  readonly machine: MachineDescription & { loadAverageAtEnd: readonly number[] };
  readonly setup: {
    model: { file: string; bytes: number; shape: string };
    tokens: number;
    sessions: number;
    rounds: number;
    threads: number;
    contextSize: number;
    batchSize: number;
    kvCacheBytes: number;
    sweepThreads: readonly number[];
    sweepRounds: number;
    sweepTokens: number;
    sweepCapSeconds: number;
  };
  readonly llamaBench: readonly LlamaBenchRow[] | undefined;
  readonly runtimeLayer: RuntimeLayerSize | undefined;
  readonly cost: CostEstimate;
  readonly problems: readonly string[];
  readonly bestThreads: number | undefined;
}

const mb = (bytes: number) => `${(bytes / MIB).toFixed(0)} MiB`;
const scaled = scaleSummary;
const usd = (value: number) => (value >= 1 ? `$${value.toFixed(2)}` : `$${value.toFixed(3)}`);

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

function findings(results: BenchResults, analysis: Analysis): string[] {
  const out: string[] = [];
  const arm = (name: string) => analysis.arms[name] ?? {};
  const decode = (name: string) => arm(name).decodeTokensPerSecond?.median;
  const ttft = (name: string) => arm(name).ttftMs?.median;
  const fixed = (value: number | undefined, digits: number) => (value === undefined || !Number.isFinite(value) ? 'n/a' : value.toFixed(digits));
  const over = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a / b : undefined);
  const minus = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined ? a - b : undefined);

  if (analysis.arms.rawCompletion) {
    out.push(`Decode, layer by layer (medians): LlamaCompletion runs at ${fixed(over(decode('rawCompletion'), decode('rawEvaluate')), 3)}× the bare token loop ` +
      `(the library's per-token work: detokenizing, stop-trigger and partial-character bookkeeping), the streamed server at ${fixed(over(decode('serverStreamed'), decode('rawCompletion')), 3)}× ` +
      `LlamaCompletion and the buffered one at ${fixed(over(decode('serverBuffered'), decode('rawCompletion')), 3)}× (the server's own per-token work: one JSON chunk and one socket write per token when streaming). ` +
      'Single samples of any arm spread by ±10 % on this shared machine, so differences of 1–3 % between medians are within noise.');
  }
  const clientVsLogged = analysis.paired.ttftStreamedClientMinusServerLoggedMs?.median;
  out.push(`Time to first token, server − raw (medians): ${fixed(minus(ttft('serverStreamedShort'), ttft('rawEvaluateShort')), 1)} ms with the short prompt, ` +
    `${fixed(minus(ttft('serverStreamed'), ttft('rawEvaluate')), 1)} ms with the long one (LlamaCompletion − raw: ${fixed(minus(ttft('rawCompletion'), ttft('rawEvaluate')), 1)} ms). ` +
    `The client sees the first token ${fixed(clientVsLogged, 1)} ms after the server logged it (HTTP, SSE framing and the event loop).`);

  const server = analysis.processes.server;
  const rawMmap = analysis.processes.rawEvaluate;
  const rawRead = analysis.processes.rawRead;
  const raw = analysis.serverUsesMmap ? rawMmap : rawRead;
  const mode = analysis.serverUsesMmap ? 'mmap' : 'useMmap: false';
  const phase = (p: typeof server, name: string) => p?.phases[name]?.median;
  if (server && raw) {
    const listening = phase(server, 'listening');
    const validated = phase(server, 'model_validated');
    const imported = phase(raw, 'imported');
    const rawLoad = minus(phase(raw, 'contextCreated'), imported);
    out.push(`Start-up (server loads with ${mode}; compared with raw loading the same way): the server listens ${fixed(listening, 0)} ms after its process starts ` +
      `(raw has imported node-llama-cpp at ${fixed(imported, 0)} ms), has validated the GGUF header at ${fixed(validated, 0)} ms, and Engine.load takes ` +
      `${fixed(phase(server, 'engineLoadMs'), 0)} ms where raw needs ${fixed(rawLoad, 0)} ms from import to context. ` +
      `Ready: ${fixed(server.readyMs?.median, 0)} ms against ${fixed(raw.readyMs?.median, 0)} ms.` +
      (rawRead?.readyMs && rawMmap?.readyMs ? ` Reading the file instead of mapping it costs ${fixed(minus(rawRead.readyMs.median, rawMmap.readyMs.median), 0)} ms of start-up here (warm page cache).` : ''));
  }
  if (server?.peakRssBytes && server.rssFileBytes && server.rssAnonBytes) {
    out.push(`Memory: the server (${mode}) peaks at ${mb(server.peakRssBytes.median)} (${mb(server.rssAnonBytes.median)} anonymous, ${mb(server.rssFileBytes.median)} mapped file pages) ` +
      `for a ${mb(results.setup.model.bytes)} file. Raw node-llama-cpp peaks at ${rawMmap?.peakRssBytes ? mb(rawMmap.peakRssBytes.median) : 'n/a'} with mmap (its default) and at ` +
      `${rawRead?.peakRssBytes ? mb(rawRead.peakRssBytes.median) : 'n/a'} with \`useMmap: false\`. With mmap, llama.cpp reads the weights through the mapping and, on a CPU where ` +
      'it repacks Q4_0/Q4_K tensors into its interleaved AVX2 layout, keeps the repacked copy in anonymous memory, so the file pages it read stay resident too (clean and ' +
      'reclaimable, but counted in RSS and in the function\'s memory cgroup until the kernel evicts them). What remains above file + KV cache is Node.js, the libraries and ' +
      'llama.cpp\'s compute buffers (which grow with the prompt length up to the batch size).');
  }
  const sweep = analysis.sweep;
  const cpus = results.machine.availableParallelism;
  const atCpus = sweep.find((entry) => entry.threads === cpus)?.decodeTokensPerSecond?.median;
  const oversubscribed = sweep.filter((entry) => entry.threads > cpus && entry.decodeTokensPerSecond);
  if (atCpus !== undefined && oversubscribed.length > 0) {
    out.push(`Threads: more threads than CPUs collapse decoding (${oversubscribed.map((entry) => `${entry.threads} threads: ${fixed(entry.decodeTokensPerSecond!.median, 2)} tok/s`).join(', ')}, ` +
      `against ${fixed(atCpus, 2)} at ${cpus}): ggml's threads spin at a barrier after every operation, and a thread without a CPU keeps the others waiting.`);
  }
  return out;
}

export function renderReadme(results: BenchResults, analysis: Analysis): string {
  const m = results.machine;
  const s = results.setup;
  const lines: string[] = [];
  lines.push('# Benchmarks: the server against raw node-llama-cpp', '');
  lines.push('Generated by `npm run bench` (the same as `npx projen bench`); do not edit by hand. Raw data: [results.json](results.json).', '');
  lines.push(`Reproduce: \`${results.command}\` (options: \`--sessions N --rounds N --tokens N --threads N --sweep-threads 1,2,3 --sweep-rounds N --llama-bench PATH\`; run \`npx ts-node --project tsconfig.dev.json test/bench/run-bench.ts --help\`). This run took ${results.wallSeconds.toFixed(0)} s.`, '');
  lines.push('![decode tokens per second](decode-tokens-per-second.svg)', '');

  lines.push('## Method', '');
  lines.push(`- Model: a GGUF generated by \`test/gguf\` with the exact tensor shapes of DeepSeek-R1-Distill-Qwen-1.5B (${s.model.shape}), ${(s.model.bytes / 1e9).toFixed(2)} GB; the compute per token equals the real model's. Cached in \`.bench-cache/\`.`);
  lines.push(`- Arms: **raw node-llama-cpp** (\`test/bench/raw-llama.mjs\`: \`getLlama\`, \`loadModel\`, \`createContext\`, then \`sequence.evaluate\` for exactly ${s.tokens} tokens), **raw LlamaCompletion** (the library API the server's /v1/completions builds on, same script), and **the server** (\`node runtime/dist/server.js\`) over HTTP on /v1/completions, buffered and streamed (SSE).`);
  lines.push(`- Same everywhere: prompt (a ${analysis.arms.rawEvaluate?.promptTokens?.median ?? '?'}-token text, rotated for every request so no request reuses another's KV cache), ${s.tokens} generated tokens (a random model rarely samples its end token; every answer is checked to have exactly ${s.tokens}), temperature 0, ${s.threads} threads, context ${s.contextSize} (batch ${s.batchSize}).`);
  lines.push(`- ${s.sessions} sessions × ${s.rounds} rounds = ${s.sessions * s.rounds} generations per arm. Each session starts fresh processes one after the other (their start-to-ready and peak RSS are samples), gives each an untimed 2-token warm-up, then runs its rounds: one generation per arm, in an order that rotates every round. Figures are medians with [min–max]. Targets compare the server's median with raw's median (a neighbour's burst slows single samples, which medians ignore, and the rotating order spreads bursts over all arms); the per-round (paired) ratios show the spread.`);
  lines.push(`- Time to first token: raw, inside the process (tokenize to first sampled token); server streamed, at the client (request written to the first SSE event carrying text); server buffered, the server's own TimeToFirstToken log metric (a buffered client cannot see it). Every round also times a ${SHORT_PROMPT_WORDS}-word prompt (2 tokens generated) on raw and on the server, streamed: the time-to-first-token target is judged on it, because with the long prompt the sample-to-sample noise of prompt processing (tens of ms on a shared machine) hides a 10 ms difference. Prompt tokens/s = prompt tokens / time to first token. Decode tokens/s = (tokens − 1) / (last token − first token); buffered: (tokens − 1) / (response complete − logged first token).`);
  lines.push('- Start to ready: spawn to the raw script\'s "ready" line (model loaded, context created), or to the server\'s first `GET /health` 200 (polled every 10 ms). The file is read once beforehand, so both are warm-cache starts. Peak RSS: `VmHWM` from `/proc/<pid>/status` after the round.');
  lines.push('');

  lines.push('## Machine', '');
  lines.push(table(['', ''], [
    ['CPU', `${m.logicalCpus} × ${m.cpuModel} (${m.cpuMhz} MHz; ${m.cpuFlags || 'flags unknown'})`],
    ['Memory', `${m.totalMemoryGiB} GiB`],
    ['OS', `${m.os} (${m.arch})`],
    ['Node.js', m.node],
    ['Load average at start / end', `${m.loadAverageAtStart.join(', ')} / ${m.loadAverageAtEnd.join(', ')} (1, 5, 15 min; the machine is shared)`],
    ['Date', results.generatedAt],
  ]), '');

  lines.push('## Targets', '');
  const decimals = (unit: string) => (unit === 'ms' || unit === 'MiB' ? 1 : 3);
  const interval = (t: Analysis['targets'][number]) =>
    (t.interval ? `${t.interval[0].toFixed(decimals(t.unit))} to ${t.interval[1].toFixed(decimals(t.unit))}` : 'n/a');
  lines.push(table(['Target', 'Goal', 'Measured (server median against raw median)', '90 % interval (bootstrap)', 'Per round: median [min–max]', 'Verdict'],
    analysis.targets.map((t) => [
      t.name, t.goal, t.value === undefined ? 'n/a' : `${t.value.toFixed(decimals(t.unit))} ${t.unit}`, interval(t), formatSummary(t.spread, decimals(t.unit)),
      `**${t.pass ? 'PASS' : 'MISS'}**${t.clear ? '' : ' (within noise: the interval straddles the goal)'}`,
    ])), '');

  const cross = analysis.paired;
  if (cross.bestDecodeStreamedOverRaw || cross.bestTtftStreamedMinusRawMs) {
    lines.push('Cross-check that ignores noise from the shared machine (best sample of each arm against the best of raw): ' +
      `decode streamed ${cross.bestDecodeStreamedOverRaw?.median.toFixed(3) ?? 'n/a'}× raw, buffered ${cross.bestDecodeBufferedOverRaw?.median.toFixed(3) ?? 'n/a'}× raw; ` +
      `time to first token streamed ${cross.bestTtftStreamedMinusRawMs?.median.toFixed(1) ?? 'n/a'} ms over raw.`, '');
  }

  lines.push('## Server against raw node-llama-cpp', '');
  const arms = Object.keys(ARM_LABELS).filter((arm) => analysis.arms[arm]);
  const row = (label: string, pick: (arm: string) => string) => [label, ...arms.map(pick)];
  lines.push(table(['Metric', ...arms.map((arm) => ARM_LABELS[arm])], [
    row('Decode tokens/s', (arm) => formatSummary(analysis.arms[arm].decodeTokensPerSecond, 2)),
    row('Time to first token (ms)', (arm) => formatSummary(analysis.arms[arm].ttftMs, 1)),
    row('Prompt tokens/s', (arm) => formatSummary(analysis.arms[arm].promptTokensPerSecond, 1)),
    row('Whole generation (ms)', (arm) => formatSummary(analysis.arms[arm].totalMs, 0)),
    row('Prompt / generated tokens', (arm) => `${analysis.arms[arm].promptTokens?.median ?? '?'} / ${analysis.arms[arm].completionTokens?.median ?? '?'}`),
    row('Server-logged TimeToFirstToken (ms)', (arm) => formatSummary(analysis.arms[arm].serverReportedTtftMs, 1)),
    row('Server-logged TokensPerSecond', (arm) => formatSummary(analysis.arms[arm].serverReportedTokensPerSecond, 2)),
  ]), '');
  const a = analysis.arms;
  lines.push('Time to first token at two prompt lengths (the short prompt makes the server\'s fixed overhead visible next to prompt processing):', '');
  lines.push(table(['Prompt', 'raw node-llama-cpp (ms)', 'server, streamed, at the client (ms)', 'server − raw, paired by round (ms)'], [
    [`${a.rawEvaluate?.promptTokens?.median ?? '?'} tokens`, formatSummary(a.rawEvaluate?.ttftMs, 1), formatSummary(a.serverStreamed?.ttftMs, 1),
      formatSummary(analysis.paired.ttftStreamedMinusRawMs, 1)],
    [`${a.rawEvaluateShort?.promptTokens?.median ?? '?'} tokens`, formatSummary(a.rawEvaluateShort?.ttftMs, 1), formatSummary(a.serverStreamedShort?.ttftMs, 1),
      formatSummary(analysis.paired.ttftShortStreamedMinusRawMs, 1)],
  ]), '');

  const procNames: Record<string, string> = {
    rawEvaluate: 'raw node-llama-cpp (mmap, its default)',
    rawCompletion: 'raw LlamaCompletion (mmap)',
    rawRead: 'raw node-llama-cpp, useMmap: false',
    server: `server (${analysis.serverUsesMmap ? 'mmap' : 'useMmap: false'})`,
  };
  const procs = Object.keys(procNames).filter((name) => analysis.processes[name]);
  lines.push(table(['Process', 'Start to ready (ms)', 'Peak RSS (MiB)', 'Anonymous (MiB)', 'Mapped file (MiB)'], procs.map((name) => {
    const p = analysis.processes[name];
    return [procNames[name], formatSummary(p.readyMs, 0), formatSummary(scaled(p.peakRssBytes, 1 / MIB), 0),
      formatSummary(scaled(p.rssAnonBytes, 1 / MIB), 0), formatSummary(scaled(p.rssFileBytes, 1 / MIB), 0)];
  })), '');
  const phaseRows: string[][] = [];
  const phaseLabels: Record<string, string> = {
    imported: 'node-llama-cpp imported',
    getLlama: 'getLlama() done',
    modelLoaded: 'loadModel() done',
    contextCreated: 'createContext() done (ready)',
    listening: 'HTTP server listening',
    model_source: 'model source resolved',
    model_validated: 'GGUF header validated',
    model_loaded: 'model loaded, context created',
    ready: 'ready (/health 200)',
    engineLoadMs: 'Engine.load duration (server-measured)',
  };
  for (const name of procs) {
    for (const [phase, summary] of Object.entries(analysis.processes[name].phases)) {
      phaseRows.push([procNames[name], phaseLabels[phase] ?? phase, formatSummary(summary, 0)]);
    }
  }
  if (phaseRows.length > 0) {
    lines.push('Start-up phases (ms after the process started; raw: its own clock, server: when its log line arrived):', '');
    lines.push(table(['Process', 'Phase', 'ms'], phaseRows), '');
  }
  lines.push(`RSS allowance: model file ${mb(s.model.bytes)} + KV cache ${mb(s.kvCacheBytes)} (f16, ${s.contextSize} tokens) + 200 MiB = ${mb(analysis.rssBoundBytes)}.`, '');

  const found = findings(results, analysis);
  if (found.length > 0) {
    lines.push('### Where the differences come from', '');
    for (const finding of found) lines.push(`- ${finding}`);
    lines.push('');
  }

  lines.push('## Thread sweep (server, streamed)', '');
  lines.push(table(['Threads', 'Decode tokens/s', 'Time to first token (ms)', 'Prompt tokens/s', 'Tokens generated'], analysis.sweep.map((entry) => [
    String(entry.threads), formatSummary(entry.decodeTokensPerSecond, 2), formatSummary(entry.ttftMs, 0),
    formatSummary(entry.promptTokensPerSecond, 1), formatSummary(entry.completionTokens, 0),
  ])), '');
  lines.push(`One server per thread count, all loaded, requests round-robin (${s.sweepRounds} rounds, ${s.sweepTokens} tokens, ${s.sweepCapSeconds} s cap per generation: a capped one counts the tokens it produced). ` +
    `Fastest decode here: **${results.bestThreads ?? '?'} threads** on ${m.availableParallelism} available CPUs. The runtime's default (\`LLM_THREADS\` unset) is \`os.availableParallelism()\`, and the construct sets threads to the whole vCPUs of the function's memory: more threads than CPUs make ggml's threads wait on each other.`, '');

  if (results.llamaBench) {
    lines.push('## llama.cpp\'s own llama-bench on the same file', '');
    lines.push(table(['Test', 'Threads', 'Tokens/s (mean ± sd)'], results.llamaBench.map((r) => [
      `${r.test}${r.tokens}`, String(r.threads), `${r.tokensPerSecond.toFixed(2)} ± ${r.stddev.toFixed(2)}`,
    ])), '');
  } else {
    lines.push('## llama.cpp\'s own llama-bench', '');
    lines.push('Not run this time: pass `--llama-bench /path/to/llama-bench` (built from node-llama-cpp\'s own `llama/gitRelease.bundle`, so it is the same llama.cpp) to add it to the table and the chart.', '');
  }

  lines.push('## Runtime layer size (image without the model)', '');
  if (results.runtimeLayer) {
    const r = results.runtimeLayer;
    const page = r.uiBytes === undefined ? '' : `, ${(r.uiBytes / 1e3).toFixed(1)} kB chat page`;
    lines.push(`${(r.bytes / 1e6).toFixed(1)} MB (${(r.nodeModulesBytes / 1e6).toFixed(1)} MB node_modules, ${(r.distBytes / 1e6).toFixed(2)} MB server code${page}): ${r.method}. ` +
      'The Debian-slim Node base image and the Lambda Web Adapter extension come on top; docs/container.md has the size of the built image.', '');
  } else {
    lines.push('Not measured in this run.', '');
  }

  lines.push('## Lambda cost estimate (an estimate on paper, not a measurement)', '');
  lines.push(table(['Configuration', 'Memory', 'Threads', 'Decode tok/s', 'Prompt tok/s', 's per request', 'Arm $/1M output tokens', 'x86 $/1M output tokens', 'Arm $/1,000 requests', 'x86 $/1,000 requests'],
    results.cost.rows.map((r) => [
      r.label, `${r.memoryMb} MB`, String(r.threads), r.decodeTokensPerSecond.toFixed(2), r.promptTokensPerSecond.toFixed(1),
      r.secondsPerTypicalRequest.toFixed(1), usd(r.arm64PerMillionOutputTokens), usd(r.x86_64PerMillionOutputTokens),
      usd(r.arm64Per1000Requests), usd(r.x86_64Per1000Requests),
    ])), '');
  lines.push('Assumptions:', '');
  for (const assumption of results.cost.assumptions) lines.push(`- ${assumption}`);
  lines.push('');

  if (results.problems.length > 0) {
    lines.push('## Notes from this run', '');
    for (const problem of results.problems) lines.push(`- ${problem}`);
    lines.push('');
  }
  return lines.join('\n');
}
