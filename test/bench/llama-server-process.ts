import { ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { getJson } from './http-client';
import { stopChild } from './proc-status';

export interface LlamaServerOptions {
  readonly binary: string;
  readonly modelPath: string;
  readonly port: number;
  readonly threads: number;
  /** Slots (`-np`), decoded together by continuous batching (`-cb`). */
  readonly slots: number;
  /** Tokens per slot: `-c` is the whole cache, shared by the slots. */
  readonly contextSizePerSlot: number;
}

/** llama.cpp's own server (`llama-server -np N -cb`) on the same file: the native anchor for parallel decoding. */
export class LlamaServerProcess {
  static async start(options: LlamaServerOptions, timeoutMs = 180_000): Promise<LlamaServerProcess> {
    const args = [
      '-m', options.modelPath,
      '--host', '127.0.0.1', '--port', String(options.port),
      '-t', String(options.threads), '-tb', String(options.threads),
      '-np', String(options.slots), '-cb',
      '-c', String(options.contextSizePerSlot * options.slots),
      '--no-webui',
    ];
    const child = spawn(options.binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    const server = new LlamaServerProcess(child, options, args);
    const started = performance.now();
    try {
      while (true) {
        if (performance.now() - started > timeoutMs) throw new Error(`llama-server not ready in ${timeoutMs} ms`);
        if (server.exited) throw new Error(`llama-server exited before ready:\n${server.stderr.slice(-4000)}`);
        const health = await getJson(options.port, '/health', 1000).catch(() => undefined);
        if (health?.status === 200) break;
        await sleep(50);
      }
      return server;
    } catch (error) {
      await server.stop();
      throw error;
    }
  }

  stderr = '';
  private exited = false;

  private constructor(private readonly child: ChildProcess, readonly options: LlamaServerOptions, readonly args: readonly string[]) {
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString('utf8')).slice(-20_000);
    });
    child.on('exit', () => { this.exited = true; });
  }

  get port(): number {
    return this.options.port;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stop(): Promise<void> {
    return stopChild(this.child);
  }
}
