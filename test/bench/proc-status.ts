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
