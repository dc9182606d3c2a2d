/**
 * Embeddings per second for batches of short inputs, four ways on the same model in the same run:
 * - `server`: POST /v1/embeddings on the real server (HTTP, JSON, tokenizing, the gate, normalizing, base64 as the
 *   openai SDK asks for it), which evaluates a batch two inputs at a time on two embedding contexts, the threads
 *   split between them;
 * - `rawPool`: the same two contexts driven by node-llama-cpp alone: the server's strategy without the server;
 * - `rawShared`: two contexts each created with every thread, node-llama-cpp's thread splitter sharing them;
 * - `rawSingle`: one embedding context with every thread, inputs one after another: node-llama-cpp's plain use.
 * Each process loads the model once; rounds interleave the arms (order rotating) so that all three see the same
 * load. A sample embeds at least `minInputsPerSample` inputs (a batch of 1 is sent 16 times).
 */
import os from 'node:os';
import { shortInputs } from './embedding-inputs';
import { postBuffered } from './http-client';
import { RawEmbeddingProcess } from './raw-embedding-process';
import { ServerProcess } from './server-process';
import { bootstrapInterval, rotate, Summary, summarize } from './stats';

export const ARMS = ['server', 'rawPool', 'rawShared', 'rawSingle'] as const;
type RawArm = Exclude<ArmName, 'server'>;
const RAW_ARMS: readonly RawArm[] = ['rawPool', 'rawShared', 'rawSingle'];
export type ArmName = (typeof ARMS)[number];

export interface EmbeddingBenchOptions {
  readonly modelPath: string;
  readonly rounds: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly batchSizes: readonly number[];
  readonly minInputsPerSample: number;
  readonly port: number;
  readonly log: (line: string) => void;
}

interface Sample {
  readonly embeddingsPerSecond: number;
  readonly tokensPerSecond: number;
}

export interface BatchResult {
  readonly batchSize: number;
  readonly arms: Record<ArmName, { readonly embeddingsPerSecond?: Summary; readonly tokensPerSecond?: Summary }>;
  /** Per-round ratios of embeddings per second, with a 90 % bootstrap interval of the ratio of medians. */
  readonly serverOverRawPool?: Summary;
  readonly serverOverRawPoolInterval?: [number, number];
  readonly serverOverRawSingle?: Summary;
  readonly serverOverRawSingleInterval?: [number, number];
  readonly rawPoolOverRawSingle?: Summary;
  readonly rawPoolOverRawShared?: Summary;
}

export interface EmbeddingBenchResult {
  readonly rounds: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly tokensPerInput?: Summary;
  readonly batches: readonly BatchResult[];
  /** Largest difference between the server's vector and node-llama-cpp's (normalized) for the same text. */
  readonly vectorCheckMaxDifference: number;
  readonly peakRssBytes: Record<ArmName, number>;
  readonly loadAverageAtEnd: readonly number[];
}

/** The batch the server uses for a last-token model (runtime: SPLIT_INPUT_BATCH_TOKENS). */
const SPLIT_BATCH = 512;

function unit(vector: readonly number[]): number[] {
  const norm = Math.sqrt(vector.reduce((sum, value) => sum + value * value, 0));
  return vector.map((value) => value / norm);
}

export async function runEmbeddingBench(options: EmbeddingBenchOptions): Promise<EmbeddingBenchResult> {
  const batchSize = Math.min(options.contextSize, SPLIT_BATCH);
  let server: ServerProcess | undefined;
  const raw: Partial<Record<RawArm, RawEmbeddingProcess>> = {};
  const samples = new Map<string, Sample[]>();
  const tokensPerInput: number[] = [];
  let inputCounter = 0;
  let vectorCheckMaxDifference = NaN;
  let peakRssBytes: Record<ArmName, number> = { server: NaN, rawPool: NaN, rawShared: NaN, rawSingle: NaN };
  let serverPeakRssBytes = NaN;
  try {
    server = await ServerProcess.start({
      modelPath: options.modelPath, port: options.port, threads: options.threads, contextSize: options.contextSize, maxTokens: 16,
    });
    const rawOptions = { modelPath: options.modelPath, threads: options.threads, contextSize: options.contextSize, batchSize };
    const pooled = Math.min(2, options.threads);
    const splitThreads = Math.max(1, Math.floor(options.threads / pooled));
    raw.rawPool = await RawEmbeddingProcess.start({ ...rawOptions, contexts: pooled, contextThreads: splitThreads });
    raw.rawShared = await RawEmbeddingProcess.start({ ...rawOptions, contexts: pooled, contextThreads: options.threads });
    raw.rawSingle = await RawEmbeddingProcess.start({ ...rawOptions, contexts: 1, contextThreads: options.threads });

    // The arms must compute the same vectors, or the comparison means nothing.
    const [text] = shortInputs(10_000, 1);
    const served = await postBuffered(server.port, '/v1/embeddings', { input: text, encoding_format: 'float' });
    const expected = unit(await raw.rawSingle.vector(text));
    vectorCheckMaxDifference = Math.max(...expected.map((value, index) => Math.abs(value - served.body.data[0].embedding[index])));
    if (!(vectorCheckMaxDifference < 1e-5)) throw new Error(`the server's vector differs from node-llama-cpp's by ${vectorCheckMaxDifference}`);

    const runSample = async (arm: ArmName, size: number): Promise<Sample> => {
      const repeats = Math.max(1, Math.ceil(options.minInputsPerSample / size));
      let ms = 0;
      let tokens = 0;
      for (let repeat = 0; repeat < repeats; repeat++) {
        const inputs = shortInputs(inputCounter, size);
        inputCounter += size;
        if (arm === 'server') {
          const res = await postBuffered(server!.port, '/v1/embeddings', { input: inputs, encoding_format: 'base64' });
          if (res.status !== 200 || res.body?.data?.length !== size) throw new Error(`server: HTTP ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`);
          ms += res.totalMs;
          tokens += res.body.usage.prompt_tokens;
          const memory = server!.memory();
          if (memory === undefined) throw new Error(`the server exited:\n${server!.stderr.slice(-2000)}`);
          serverPeakRssBytes = memory.peakRssBytes;
        } else {
          const batch = await raw[arm]!.embed(inputs);
          ms += batch.ms;
          tokens += batch.tokens;
        }
      }
      tokensPerInput.push(tokens / (repeats * size));
      return { embeddingsPerSecond: (repeats * size) / (ms / 1000), tokensPerSecond: tokens / (ms / 1000) };
    };

    // Untimed: the first batch of a process allocates what later ones reuse.
    for (const arm of ARMS) await runSample(arm, 4);
    for (let round = 0; round < options.rounds; round++) {
      for (const size of options.batchSizes) {
        const line: string[] = [];
        for (const arm of rotate(ARMS, round + size)) {
          const sample = await runSample(arm, size);
          const key = `${arm}/${size}`;
          samples.set(key, [...(samples.get(key) ?? []), sample]);
          line.push(`${arm} ${sample.embeddingsPerSecond.toFixed(1)}/s`);
        }
        options.log(`  round ${round + 1}, batch ${size}: ${line.join(', ')}`);
      }
    }
  } finally {
    await server?.stop();
    const rawMemory = await Promise.all(RAW_ARMS.map(async (arm) => {
      const peak = (await raw[arm]?.embed([]).catch(() => undefined))?.peakRssBytes ?? NaN;
      await raw[arm]?.stop();
      return peak;
    }));
    peakRssBytes = { server: serverPeakRssBytes, rawPool: rawMemory[0], rawShared: rawMemory[1], rawSingle: rawMemory[2] };
  }

  const eps = (arm: ArmName, size: number) => (samples.get(`${arm}/${size}`) ?? []).map((sample) => sample.embeddingsPerSecond);
  const ratios = (a: ArmName, b: ArmName, size: number) => eps(a, size).map((value, round) => value / eps(b, size)[round]);
  const medianRatio = (x: number, y: number) => x / y;
  const batches = options.batchSizes.map((size): BatchResult => ({
    batchSize: size,
    arms: Object.fromEntries(ARMS.map((arm) => [arm, {
      embeddingsPerSecond: summarize(eps(arm, size)),
      tokensPerSecond: summarize((samples.get(`${arm}/${size}`) ?? []).map((sample) => sample.tokensPerSecond)),
    }])) as BatchResult['arms'],
    serverOverRawPool: summarize(ratios('server', 'rawPool', size)),
    serverOverRawPoolInterval: bootstrapInterval(eps('server', size), eps('rawPool', size), medianRatio),
    serverOverRawSingle: summarize(ratios('server', 'rawSingle', size)),
    serverOverRawSingleInterval: bootstrapInterval(eps('server', size), eps('rawSingle', size), medianRatio),
    rawPoolOverRawSingle: summarize(ratios('rawPool', 'rawSingle', size)),
    rawPoolOverRawShared: summarize(ratios('rawPool', 'rawShared', size)),
  }));
  return {
    rounds: options.rounds,
    threads: options.threads,
    contextSize: options.contextSize,
    tokensPerInput: summarize(tokensPerInput),
    batches,
    vectorCheckMaxDifference,
    peakRssBytes,
    loadAverageAtEnd: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
