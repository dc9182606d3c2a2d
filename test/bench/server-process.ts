import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LineReader } from './child-lines';
import { getJson } from './http-client';
import { ProcessMemory, processMemory, stopChild } from './proc-status';

export interface ServerOptions {
  readonly modelPath: string;
  readonly port: number;
  readonly threads: number;
  readonly contextSize: number;
  readonly maxTokens: number;
  /** Extra environment (e.g. LLM_MAX_GENERATION_SECONDS for the thread sweep). */
  readonly env?: Record<string, string>;
  /** Another build of the server (e.g. the main branch's, for a same-run baseline); default: this checkout's. */
  readonly entry?: string;
}

/** One EMF line the server logs per request: the fields the benchmark reads. */
export interface MetricsLine {
  readonly TimeToFirstToken?: number;
  readonly TokensPerSecond?: number;
  readonly CompletionTokens?: number;
  readonly PromptTokens?: number;
  readonly GenerationDuration?: number;
  readonly route?: string;
  readonly finishReason?: string;
  readonly requestId?: string;
}

export const SERVER_ENTRY = path.join(__dirname, '..', '..', 'runtime', 'dist', 'server.js');
const HEALTH_POLL_MS = 10;

/** The real server (`node runtime/dist/server.js`) as a child process, with its metrics log lines. */
export class ServerProcess {
  static async start(options: ServerOptions, timeoutMs = 120_000): Promise<ServerProcess> {
    // Only the variables this run sets: a developer's own LLM_* settings (an API key, say) must not leak in.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('LLM_')));
    const startedAt = performance.now();
    const child = spawn(process.execPath, [options.entry ?? SERVER_ENTRY], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...inherited,
        HOST: '127.0.0.1',
        PORT: String(options.port),
        LLM_MODEL_PATH: options.modelPath,
        LLM_THREADS: String(options.threads),
        LLM_CONTEXT_SIZE: String(options.contextSize),
        LLM_MAX_TOKENS: String(options.maxTokens),
        ...options.env,
      },
    });
    const server = new ServerProcess(child, options);
    try {
      while (true) {
        if (performance.now() - startedAt > timeoutMs) throw new Error(`server not ready in ${timeoutMs} ms`);
        if (server.exited) throw new Error(`server exited before ready:\n${server.stderr.slice(-4000)}`);
        const health = await getJson(options.port, '/health', 1000).catch(() => undefined);
        if (health?.status === 200) break;
        await sleep(HEALTH_POLL_MS);
      }
      server.readyMs = performance.now() - startedAt;
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  /** From spawn() to the first GET /health answered 200. */
  readyMs = 0;
  readonly metrics: MetricsLine[] = [];
  /** The server's own log events (listening, model_loaded, ready...), each with when it arrived after spawn. */
  readonly events: Array<{ event: string; atMs: number; [field: string]: unknown }> = [];
  private readonly spawnedAt = performance.now();
  stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess, readonly options: ServerOptions) {
    new LineReader(child, (line) => {
      const atMs = performance.now() - this.spawnedAt;
      try {
        const parsed = JSON.parse(line);
        if (parsed && typeof parsed === 'object' && parsed._aws) {this.metrics.push(parsed);} else if (parsed && typeof parsed === 'object' && typeof parsed.event === 'string') {
          this.events.push({ ...parsed, atMs });
        }
      } catch { /* not a log line of ours */ }
      return true;
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-20_000);
    });
    child.on('exit', () => { this.exited = true; });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get port(): number {
    return this.options.port;
  }

  /** Waits (briefly) for the metrics line of a request, which the server logs after the response ends. */
  async metricsFor(requestId: string | undefined, timeoutMs = 2000): Promise<MetricsLine | undefined> {
    if (requestId === undefined) return undefined;
    const deadline = performance.now() + timeoutMs;
    while (performance.now() < deadline) {
      const line = this.metrics.find((candidate) => candidate.requestId === requestId);
      if (line) return line;
      await sleep(5);
    }
    return undefined;
  }

  memory(): ProcessMemory | undefined {
    return processMemory(this.pid);
  }

  /** Kills the child and resolves once it has gone (its port and memory are free again). */
  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
