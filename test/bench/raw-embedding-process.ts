import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { LineReader } from './child-lines';
import { stopChild } from './proc-status';

export interface RawEmbeddingOptions {
  readonly modelPath: string;
  /** All the process may use (getLlama's maxThreads). */
  readonly threads: number;
  /** Each context's threads. */
  readonly contextThreads: number;
  readonly contextSize: number;
  readonly batchSize: number;
  readonly contexts: number;
}

export interface RawBatch {
  readonly ms: number;
  readonly tokens: number;
  readonly peakRssBytes: number;
}

const SCRIPT = path.join(__dirname, 'raw-embeddings.mjs');

/** A running raw-embeddings.mjs child: loaded once, then driven one batch at a time. */
export class RawEmbeddingProcess {
  static async start(options: RawEmbeddingOptions, timeoutMs = 180_000): Promise<RawEmbeddingProcess> {
    const child = spawn(process.execPath, [
      SCRIPT, '--model', options.modelPath, '--threads', String(options.threads), '--context-threads', String(options.contextThreads),
      '--context-size', String(options.contextSize),
      '--batch-size', String(options.batchSize), '--contexts', String(options.contexts),
    ], { stdio: ['pipe', 'pipe', 'inherit'] });
    const raw = new RawEmbeddingProcess(child);
    try {
      const ready = JSON.parse(await raw.lines.next(timeoutMs));
      if (!ready.ready) throw new Error(`raw-embeddings did not start: ${JSON.stringify(ready)}`);
      return raw;
    } catch (error) {
      await raw.stop();
      throw error;
    }
  }

  private readonly lines: LineReader;

  private constructor(private readonly child: ChildProcess) {
    this.lines = new LineReader(child);
  }

  private async ask(command: unknown, timeoutMs: number): Promise<any> {
    this.child.stdin!.write(JSON.stringify(command) + '\n');
    const result = JSON.parse(await this.lines.next(timeoutMs));
    if (result.error) throw new Error(`raw-embeddings failed: ${result.error}`);
    return result;
  }

  embed(inputs: readonly string[], timeoutMs = 1_800_000): Promise<RawBatch> {
    return this.ask({ inputs }, timeoutMs);
  }

  /** getEmbeddingFor's raw vector for one text (to check the arms compute the same thing). */
  async vector(text: string): Promise<number[]> {
    return (await this.ask({ vector: text }, 300_000)).vector;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
