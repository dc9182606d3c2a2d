/**
 * Runs runtime/dist/model-source in a child `node` process (the module is ESM, jest here is CommonJS) and
 * collects what it printed. Builds the runtime first when its compiled output is missing or older than the
 * sources, so a test never exercises stale code.
 */
import { execFileSync, spawn } from 'child_process';
import { existsSync, readdirSync, statSync } from 'fs';
import * as path from 'path';

const RUNTIME = path.join(__dirname, '..', '..', 'runtime');
export const MODEL_SOURCE_MODULE = path.join(RUNTIME, 'dist', 'model-source', 'index.js');
const RUNNER = path.join(__dirname, 'model-source-runner.mjs');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

export function ensureRuntimeBuilt(): void {
  const sources = path.join(RUNTIME, 'src', 'model-source');
  if (existsSync(MODEL_SOURCE_MODULE) && statSync(MODEL_SOURCE_MODULE).mtimeMs >= newestSource(sources)) return;
  execFileSync('npm', ['--prefix', RUNTIME, 'run', 'build'], { stdio: 'inherit' });
}

export interface RunOutput {
  readonly exitCode: number;
  readonly logs: ReadonlyArray<Record<string, unknown>>;
  readonly result?: unknown;
  readonly error?: string;
  readonly lines: ReadonlyArray<Record<string, unknown>>;
  readonly stderr: string;
}

/** Asynchronous on purpose: the fake servers answering the child live in this process's event loop. */
export function runModelSource(mode: 'resolve' | 'validate', input: unknown, env: NodeJS.ProcessEnv = {}): Promise<RunOutput> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [RUNNER, MODEL_SOURCE_MODULE, mode, JSON.stringify(input)], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      const lines = stdout.split('\n').filter((line) => line.trim() !== '').map((line) => {
        try {
          return JSON.parse(line) as Record<string, unknown>;
        } catch {
          return { unparsed: line };
        }
      });
      const last = lines[lines.length - 1] ?? {};
      resolve({
        exitCode: code ?? (signal ? 128 : 1),
        logs: lines.filter((l) => 'log' in l).map((l) => l.log as Record<string, unknown>),
        ...('result' in last ? { result: last.result } : {}),
        ...(typeof last.error === 'string' && !('path' in last) ? { error: last.error } : {}),
        lines,
        stderr,
      });
    });
  });
}
