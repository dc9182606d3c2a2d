import { postBuffered, postStreamed } from './http-client';
import { GenerationSample, streamedSample } from './measurements';
import { benchmarkPrompt, WARM_UP_PROMPT } from './prompts';
import { ServerProcess } from './server-process';
import { rotate } from './stats';

export interface SweepOptions {
  readonly modelPath: string;
  readonly threads: readonly number[];
  readonly rounds: number;
  readonly tokens: number;
  readonly contextSize: number;
  readonly portBase: number;
  /** Prompt numbers already used by the main comparison, so no prompt is repeated. */
  readonly firstPromptIndex: number;
  /** Cap per generation: oversubscribed thread counts can be an order of magnitude slower. */
  readonly maxGenerationSeconds: number;
  readonly log: (line: string) => void;
}

export interface SweepResult {
  readonly threads: number;
  readonly readyMs: number;
  readonly samples: GenerationSample[];
}

/**
 * One server per thread count, all loaded at once (idle servers use no CPU: ggml starts its threads
 * per evaluation), and streamed requests that go round-robin between them, so machine noise hits
 * every thread count alike.
 */
export async function runThreadSweep(options: SweepOptions): Promise<SweepResult[]> {
  const servers: ServerProcess[] = [];
  const results: SweepResult[] = [];
  let promptIndex = options.firstPromptIndex;
  try {
    for (const [index, threads] of options.threads.entries()) {
      const server = await ServerProcess.start({
        modelPath: options.modelPath,
        port: options.portBase + index,
        threads,
        contextSize: options.contextSize,
        maxTokens: Math.max(options.tokens, 16),
        env: { LLM_MAX_GENERATION_SECONDS: String(options.maxGenerationSeconds) },
      });
      servers.push(server);
      results.push({ threads, readyMs: server.readyMs, samples: [] });
      await postBuffered(server.port, '/v1/completions', { prompt: WARM_UP_PROMPT, max_tokens: 2, temperature: 0 });
    }
    for (let round = 0; round < options.rounds; round++) {
      for (const index of rotate([...options.threads.keys()], round)) {
        const server = servers[index];
        const result = await postStreamed(server.port, '/v1/completions', {
          prompt: benchmarkPrompt(promptIndex++),
          max_tokens: options.tokens,
          temperature: 0,
          stream: true,
          stream_options: { include_usage: true },
        });
        if (result.status !== 200) throw new Error(`server (${options.threads[index]} threads) answered ${result.status}`);
        const sample = streamedSample(round, result);
        results[index].samples.push(sample);
        options.log(`  sweep round ${round + 1}/${options.rounds} threads ${options.threads[index]}: ttft ${sample.ttftMs.toFixed(0)} ms, ` +
          `decode ${sample.decodeTokensPerSecond.toFixed(2)} tok/s (${sample.completionTokens} tokens)`);
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
  return results;
}
