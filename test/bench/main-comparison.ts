import { postBuffered, postStreamed } from './http-client';
import { decodeRate, GenerationSample, ProcessSample, promptRate, streamedSample } from './measurements';
import { benchmarkPrompt, WARM_UP_PROMPT } from './prompts';
import { RawProcess } from './raw-process';
import { ServerProcess } from './server-process';
import { rotate } from './stats';

export type Arm = 'rawEvaluate' | 'rawCompletion' | 'serverBuffered' | 'serverStreamed' | 'rawEvaluateShort' | 'serverStreamedShort';

const SHORT_ARMS: Arm[] = ['rawEvaluateShort', 'serverStreamedShort'];
// "hello" starts no long prompt, so a short prompt never shares a cached prefix with the request before it.
const SHORT_PROMPT_PREFIX = 'hello ';
export const SHORT_PROMPT_WORDS = 12;

export interface MainComparison {
  readonly generations: Record<Arm, GenerationSample[]>;
  readonly processes: { rawEvaluate: ProcessSample[]; rawCompletion: ProcessSample[]; rawRead: ProcessSample[]; server: ProcessSample[] };
  readonly kvCacheBytes: number;
  /** How the server loads the model (its "config" log line; node-llama-cpp's default, mmap, when it does not say). */
  readonly serverUsesMmap: boolean;
  readonly contextSize: number;
  readonly batchSize: number;
  readonly problems: string[];
}

export interface MainOptions {
  readonly modelPath: string;
  /** Fresh process starts (start-to-ready and peak RSS samples). */
  readonly sessions: number;
  /** Generation rounds per session (one generation per arm each). */
  readonly rounds: number;
  readonly tokens: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly port: number;
  readonly libraryArm: boolean;
  readonly log: (line: string) => void;
}

const COMPLETIONS = '/v1/completions';

/** When each start-up log event of the server arrived, plus the load time it measured itself. */
function serverPhases(server: ServerProcess): Record<string, number> {
  const phases: Record<string, number> = {};
  for (const event of server.events) {
    if (['listening', 'model_source', 'model_validated', 'model_loaded', 'ready'].includes(event.event) && !(event.event in phases)) {
      phases[event.event] = event.atMs;
    }
    if (event.event === 'model_loaded' && typeof event.loadMs === 'number') phases.engineLoadMs = event.loadMs;
  }
  return phases;
}

function completionBody(prompt: string, tokens: number, stream: boolean) {
  // temperature 0 = greedy on both sides; /v1/completions sends the prompt as is (no chat template),
  // exactly what the raw script evaluates.
  return { prompt, max_tokens: tokens, temperature: 0, stream, ...(stream ? { stream_options: { include_usage: true } } : {}) };
}

async function rawSample(raw: RawProcess, round: number, prompt: string, tokens: number, problems: string[], arm: Arm): Promise<GenerationSample> {
  const result = await raw.generate(prompt, tokens);
  if (result.endOfGenerationSeen) problems.push(`round ${round} ${arm}: the model sampled an end-of-generation token (the raw loop went on past it)`);
  return {
    round,
    promptTokens: result.promptTokens,
    completionTokens: result.completionTokens,
    ttftMs: result.ttftMs,
    totalMs: result.totalMs,
    promptTokensPerSecond: promptRate(result.promptTokens, result.ttftMs),
    decodeTokensPerSecond: decodeRate(result.completionTokens, result.totalMs - result.ttftMs),
  };
}

async function serverSample(server: ServerProcess, buffered: boolean, round: number, prompt: string, tokens: number): Promise<GenerationSample> {
  if (buffered) {
    const result = await postBuffered(server.port, COMPLETIONS, completionBody(prompt, tokens, false));
    if (result.status !== 200) throw new Error(`server answered ${result.status}: ${JSON.stringify(result.body)}`);
    const metrics = await server.metricsFor(result.requestId);
    const usage = result.body.usage ?? {};
    // A buffered answer shows the client no first token: decode time is the request's total minus the
    // first-token time the server itself logged.
    const serverTtft = metrics?.TimeToFirstToken ?? NaN;
    return {
      round,
      promptTokens: usage.prompt_tokens,
      completionTokens: usage.completion_tokens,
      ttftMs: serverTtft,
      totalMs: result.totalMs,
      promptTokensPerSecond: promptRate(usage.prompt_tokens, serverTtft),
      decodeTokensPerSecond: decodeRate(usage.completion_tokens, result.totalMs - serverTtft),
      serverReportedTtftMs: metrics?.TimeToFirstToken,
      serverReportedTokensPerSecond: metrics?.TokensPerSecond,
      finishReason: result.body.choices?.[0]?.finish_reason,
    };
  }
  const result = await postStreamed(server.port, COMPLETIONS, completionBody(prompt, tokens, true));
  if (result.status !== 200) throw new Error(`server answered ${result.status} to a streamed request`);
  return streamedSample(round, result, await server.metricsFor(result.requestId));
}

/**
 * The A/B comparison: every session starts fresh processes one after the other (their start-to-ready
 * and peak RSS are samples), gives each an untimed warm-up generation, then runs rounds of one
 * generation per arm, in an order that rotates from round to round. Many short rounds rather than a few
 * long ones: on a shared machine a neighbour's burst then spoils a sample or two, not a whole arm.
 * Every generation gets its own prompt (see prompts.ts).
 */
export async function runMainComparison(options: MainOptions): Promise<MainComparison> {
  const generations: MainComparison['generations'] = {
    rawEvaluate: [], rawCompletion: [], serverBuffered: [], serverStreamed: [], rawEvaluateShort: [], serverStreamedShort: [],
  };
  const processes: MainComparison['processes'] = { rawEvaluate: [], rawCompletion: [], rawRead: [], server: [] };
  const problems: string[] = [];
  let kvCacheBytes = 0;
  let serverUsesMmap = true;
  let contextSize = 0;
  let batchSize = 0;
  let promptIndex = 0;
  const arms: Arm[] = ['rawEvaluate', 'serverBuffered', ...(options.libraryArm ? ['rawCompletion' as const] : []), 'serverStreamed'];
  type Starter = 'rawEvaluate' | 'rawCompletion' | 'rawRead' | 'server';
  // rawRead: raw node-llama-cpp loading with useMmap: false, for its start-up time and memory only.
  const starters: Starter[] = ['rawEvaluate', 'server', ...(options.libraryArm ? ['rawCompletion' as const] : []), 'rawRead'];

  for (let session = 0; session < options.sessions; session++) {
    const started: { rawEvaluate?: RawProcess; rawCompletion?: RawProcess; rawRead?: RawProcess; server?: ServerProcess } = {};
    try {
      // Processes start one at a time (never loading side by side), in a rotating order.
      for (const which of rotate(starters, session)) {
        if (which === 'server') {
          started.server = await ServerProcess.start({
            modelPath: options.modelPath,
            port: options.port,
            threads: options.threads,
            contextSize: options.contextSize,
            maxTokens: Math.max(options.tokens, 16),
          });
          await postBuffered(options.port, COMPLETIONS, completionBody(WARM_UP_PROMPT, 2, false));
        } else {
          const raw = await RawProcess.start({
            modelPath: options.modelPath,
            threads: options.threads,
            contextSize: options.contextSize,
            api: which === 'rawCompletion' ? 'completion' : 'evaluate',
            load: which === 'rawRead' ? 'read' : 'mmap',
          });
          started[which] = raw;
          kvCacheBytes = raw.info.kvCacheBytes;
          contextSize = raw.info.contextSize;
          batchSize = raw.info.batchSize;
          await raw.generate(WARM_UP_PROMPT, 2);
        }
      }
      const server = started.server!;
      const config = server.events.find((event) => event.event === 'config');
      if (typeof config?.useMmap === 'boolean') serverUsesMmap = config.useMmap;
      const run = async (arm: Arm, round: number, prompt: string, tokens: number): Promise<GenerationSample> => {
        if (arm === 'rawEvaluate' || arm === 'rawEvaluateShort' || arm === 'rawCompletion') {
          return rawSample(started[arm === 'rawCompletion' ? 'rawCompletion' : 'rawEvaluate']!, round, prompt, tokens, problems, arm);
        }
        return serverSample(server, arm === 'serverBuffered', round, prompt, tokens);
      };

      for (let inSession = 0; inSession < options.rounds; inSession++) {
        const round = session * options.rounds + inSession;
        for (const arm of rotate(arms, round)) {
          const sample = await run(arm, round, benchmarkPrompt(promptIndex++), options.tokens);
          if (sample.completionTokens !== options.tokens) {
            problems.push(`round ${round} ${arm}: ${sample.completionTokens} tokens instead of ${options.tokens} (finish_reason ${sample.finishReason})`);
          }
          generations[arm].push(sample);
          options.log(`  round ${round + 1}/${options.sessions * options.rounds} ${arm.padEnd(19)} ttft ${sample.ttftMs.toFixed(0).padStart(5)} ms  ` +
            `prompt ${sample.promptTokensPerSecond.toFixed(1).padStart(6)} tok/s  decode ${sample.decodeTokensPerSecond.toFixed(2).padStart(6)} tok/s`);
        }
        // Time to first token again with a short prompt: prompt processing then takes tens of
        // milliseconds instead of most of a second, so a few milliseconds of server overhead stand out.
        const shortPrompt = SHORT_PROMPT_PREFIX + benchmarkPrompt(promptIndex++).split(' ').slice(0, SHORT_PROMPT_WORDS - 1).join(' ');
        for (const arm of rotate(SHORT_ARMS, round)) {
          const sample = await run(arm, round, shortPrompt, 2);
          generations[arm].push(sample);
        }
        const shortRaw = generations.rawEvaluateShort.at(-1)!.ttftMs;
        const shortServer = generations.serverStreamedShort.at(-1)!.ttftMs;
        options.log(`  round ${round + 1}/${options.sessions * options.rounds} short prompt        ttft raw ${shortRaw.toFixed(1)} ms, server ${shortServer.toFixed(1)} ms`);
      }

      // The same long generation the other arms ran, so its compute buffers are as used as theirs.
      await started.rawRead!.generate(benchmarkPrompt(promptIndex++), options.tokens);
      for (const which of starters) {
        const proc = started[which]!;
        const phases = proc instanceof ServerProcess ? serverPhases(proc) : (proc as RawProcess).info.phases;
        processes[which].push({ round: session, readyMs: proc.readyMs, memory: proc.memory(), phases });
      }
      options.log(`  session ${session + 1}/${options.sessions} ready: ${starters.map((which) => `${which} ${started[which]!.readyMs.toFixed(0)} ms`).join(', ')}`);
    } finally {
      await Promise.all(Object.values(started).map((proc) => proc?.stop()));
    }
  }
  return { generations, processes, kvCacheBytes, serverUsesMmap, contextSize, batchSize, problems };
}
