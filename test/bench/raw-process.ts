import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { LineReader } from './child-lines';
import { ProcessMemory, processMemory, stopChild } from './proc-status';

export interface RawGeneration {
  readonly promptTokens: number;
  readonly completionTokens: number;
  readonly ttftMs: number;
  readonly totalMs: number;
  readonly endOfGenerationSeen?: boolean;
}

export interface RawOptions {
  readonly modelPath: string;
  readonly threads: number;
  readonly contextSize: number;
  /** `evaluate`: the bare token loop (the floor); `completion`: node-llama-cpp's LlamaCompletion. */
  readonly api: 'evaluate' | 'completion';
  /** How weights reach memory: `mmap` (node-llama-cpp's default) or `read` (useMmap: false). */
  readonly load?: 'mmap' | 'read' | 'direct-io';
}

const SCRIPT = path.join(__dirname, 'raw-llama.mjs');

/** A running raw-llama.mjs child: loaded once, then driven one generation at a time. */
export class RawProcess {
  static async start(options: RawOptions, timeoutMs = 120_000): Promise<RawProcess> {
    const startedAt = performance.now();
    const child = spawn(process.execPath, [
      SCRIPT,
      '--model', options.modelPath,
      '--threads', String(options.threads),
      '--context-size', String(options.contextSize),
      '--api', options.api,
      '--load', options.load ?? 'mmap',
    ], { stdio: ['pipe', 'pipe', 'inherit'] });
    const raw = new RawProcess(child);
    try {
      const ready = JSON.parse(await raw.lines.next(timeoutMs));
      if (!ready.ready) throw new Error(`raw-llama did not start: ${JSON.stringify(ready)}`);
      raw.readyMs = performance.now() - startedAt;
      raw.info = ready;
      return raw;
    } catch (error) {
      await raw.stop();
      throw error;
    }
  }

  /** From spawn() to the "ready" line (model loaded, context created), measured by this process. */
  readyMs = 0;
  info: { phases: Record<string, number>; contextSize: number; batchSize: number; threads: number; kvCacheBytes: number } = {
    phases: {}, contextSize: 0, batchSize: 0, threads: 0, kvCacheBytes: 0,
  };
  private readonly lines: LineReader;

  private constructor(private readonly child: ChildProcess) {
    this.lines = new LineReader(child);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  async generate(prompt: string, tokens: number, timeoutMs = 300_000): Promise<RawGeneration> {
    this.child.stdin!.write(JSON.stringify({ prompt, tokens }) + '\n');
    const result = JSON.parse(await this.lines.next(timeoutMs));
    if (result.error) throw new Error(`raw-llama failed: ${result.error}`);
    return result;
  }

  memory(): ProcessMemory | undefined {
    return processMemory(this.pid);
  }

  /** Kills the child and resolves once it has gone (its port and memory are free again). */
  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
