import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface ProcessMemory {
  /** VmHWM: the most resident memory the process ever had. */
  readonly peakRssBytes: number;
  /** Current anonymous memory (heap, repacked weights, KV cache) and mapped file pages (mmap'ed model). */
  readonly rssAnonBytes: number;
  readonly rssFileBytes: number;
}

/** Memory of a live process from /proc; undefined once it has gone. */
export function processMemory(pid: number): ProcessMemory | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) * 1024;
    return { peakRssBytes: field('VmHWM'), rssAnonBytes: field('RssAnon'), rssFileBytes: field('RssFile') };
  } catch {
    return undefined;
  }
}

/** Kills a benchmark child and resolves once it has gone (its port and memory are free again). */
export function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGKILL');
  return gone;
}
