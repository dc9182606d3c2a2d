/**
 * Starts the real runtime server (`node runtime/dist/server.js`) as a child process on a port from this
 * suite's range, and keeps its JSON log lines so tests can assert what it logged.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import * as path from 'node:path';

export const RUNTIME_DIR = path.join(__dirname, '..', '..', 'runtime');
export const SERVER_ENTRY = path.join(RUNTIME_DIR, 'dist', 'server.js');

/** The TCP ports these tests may use. */
const PORT_RANGE = { first: 18100, last: 18199 };

export type LogLine = Record<string, any>;

export interface StartOptions {
  /** Variables on top of PATH (nothing else is inherited: a developer's own LLM_* settings stay out). */
  readonly env?: Record<string, string>;
  /** Script to run instead of server.js, with its arguments. */
  readonly args?: readonly string[];
  readonly cwd?: string;
  readonly uid?: number;
  readonly gid?: number;
  /** Resolve once the server logs "listening" instead of waiting for "ready". */
  readonly until?: 'listening' | 'ready';
  readonly timeoutMs?: number;
}

let nextPort = PORT_RANGE.first + Math.floor(Math.random() * (PORT_RANGE.last - PORT_RANGE.first + 1));

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
  });
}

/** A port in this suite's range that nothing listens on right now. */
export async function freePort(): Promise<number> {
  const size = PORT_RANGE.last - PORT_RANGE.first + 1;
  for (let attempt = 0; attempt < size; attempt++) {
    const port = nextPort;
    nextPort = port >= PORT_RANGE.last ? PORT_RANGE.first : port + 1;
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port in ${PORT_RANGE.first}-${PORT_RANGE.last}`);
}

export class ServerHandle {
  readonly logs: LogLine[] = [];
  stdout = '';
  stderr = '';
  private exit?: { code: number | null; signal: NodeJS.Signals | null };
  private readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(readonly child: ChildProcess, readonly port: number) {
    let partial = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      this.stdout += text;
      partial += text;
      const lines = partial.split('\n');
      partial = lines.pop()!;
      for (const line of lines) {
        if (line.trim() === '') continue;
        try {
          this.logs.push(JSON.parse(line));
        } catch {
          this.logs.push({ unparsed: line });
        }
      }
      this.notify();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString('utf8');
    });
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => {
      this.exit = { code, signal };
      this.notify();
      resolve(this.exit);
    }));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get hasExited(): boolean {
    return this.exit !== undefined;
  }

  /** Log lines of finished requests (one per request, written once the response has ended). */
  requestLogs(): LogLine[] {
    return this.logs.filter((line) => line.event === 'request');
  }

  /** Waits for a log line matching `match` among those after index `from`. */
  async waitForLog(match: (line: LogLine) => boolean, timeoutMs = 30_000, from = 0): Promise<LogLine> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.logs.slice(from).find(match);
      if (found !== undefined) return found;
      if (this.exit !== undefined) throw new Error(`server exited (${JSON.stringify(this.exit)}) before the expected log line:\n${this.describe()}`);
      if (Date.now() > deadline) throw new Error(`no matching log line in ${timeoutMs} ms:\n${this.describe()}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The request log line for a request id (the server echoes it in x-request-id). */
  async requestLog(requestId: string, timeoutMs = 10_000): Promise<LogLine> {
    return this.waitForLog((line) => line.event === 'request' && line.requestId === requestId, timeoutMs);
  }

  async waitForExit(timeoutMs = 30_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not exit in ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, as Lambda sends it; resolves with how the process ended. */
  async stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.exit !== undefined) return this.exit;
    this.child.kill('SIGTERM');
    try {
      return await this.waitForExit(15_000);
    } catch (error) {
      this.child.kill('SIGKILL');
      throw error;
    }
  }

  describe(): string {
    return `stdout:\n${this.stdout.slice(-6000)}\nstderr:\n${this.stderr.slice(-3000)}`;
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}

/** Spawns the server and waits until it logs "ready" (or "listening"); rejects with its output if it exits. */
export async function startServer(options: StartOptions = {}): Promise<ServerHandle> {
  const port = options.env?.PORT !== undefined ? Number(options.env.PORT) : await freePort();
  const child = spawn(process.execPath, options.args ? [...options.args] : [SERVER_ENTRY], {
    cwd: options.cwd ?? RUNTIME_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LLM_THREADS: '1', PORT: String(port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    uid: options.uid,
    gid: options.gid,
  });
  const server = new ServerHandle(child, port);
  const until = options.until ?? 'ready';
  try {
    await server.waitForLog((line) => line.event === until, options.timeoutMs ?? 90_000);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  return server;
}

/** Runs the server expecting it to refuse to start; resolves with its exit and output. */
export async function startExpectingFailure(options: StartOptions = {}): Promise<{ code: number | null; logs: LogLine[]; output: string }> {
  const port = await freePort();
  const child = spawn(process.execPath, options.args ? [...options.args] : [SERVER_ENTRY], {
    cwd: options.cwd ?? RUNTIME_DIR,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LLM_THREADS: '1', PORT: String(port), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server = new ServerHandle(child, port);
  const { code } = await server.waitForExit(options.timeoutMs ?? 60_000).catch((error: unknown) => {
    child.kill('SIGKILL');
    throw error;
  });
  return { code, logs: server.logs, output: server.stdout + server.stderr };
}
