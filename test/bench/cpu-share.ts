import { readFileSync } from 'node:fs';
import os from 'node:os';

/** CPU time in clock ticks (USER_HZ, 100 on Linux): the machine's busy and total time, and the benchmark's own. */
export interface CpuSnapshot {
  readonly busyTicks: number;
  readonly totalTicks: number;
}

/** The machine as a whole, from the first line of /proc/stat. */
export function machineCpu(): CpuSnapshot {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
  const busy = user + nice + system + irq + softirq + steal;
  return { busyTicks: busy, totalTicks: busy + idle + iowait };
}

/** User and system ticks a live process (with its threads) has used; 0 once it has gone. */
export function processTicks(pid: number): number {
  try {
    // The command name may hold spaces: the fields after it start behind the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * How busy the machine was while the benchmark ran: the share of all CPUs in use, and the share used by
 * processes other than the benchmark's own (other developers' builds and tests on a shared machine).
 */
export class CpuShare {
  private readonly start = machineCpu();
  private readonly ownTicks = new Map<number, { start: number; last: number }>();
  private readonly loadSamples: number[] = [];
  private readonly timer: NodeJS.Timeout;

  constructor() {
    this.watch(process.pid);
    this.timer = setInterval(() => {
      this.loadSamples.push(os.loadavg()[0]);
      for (const pid of this.ownTicks.keys()) this.refresh(pid);
    }, 5_000);
    this.timer.unref();
  }

  /** Counts a child of the benchmark as its own (call right after it starts). */
  watch(pid: number): void {
    const ticks = processTicks(pid);
    this.ownTicks.set(pid, { start: ticks, last: ticks });
  }

  /** Reads a child's ticks one last time before it is stopped. */
  refresh(pid: number): void {
    const entry = this.ownTicks.get(pid);
    const ticks = processTicks(pid);
    if (entry !== undefined && ticks > 0) entry.last = ticks;
  }

  finish(): { cpus: number; busyShare: number; othersShare: number; loadAverage1m: { median: number; max: number } } {
    clearInterval(this.timer);
    for (const pid of this.ownTicks.keys()) this.refresh(pid);
    const end = machineCpu();
    const total = end.totalTicks - this.start.totalTicks;
    const busy = end.busyTicks - this.start.busyTicks;
    const own = [...this.ownTicks.values()].reduce((sum, entry) => sum + entry.last - entry.start, 0);
    const sorted = [...this.loadSamples, os.loadavg()[0]].sort((a, b) => a - b);
    return {
      cpus: os.cpus().length,
      busyShare: total > 0 ? busy / total : NaN,
      othersShare: total > 0 ? Math.max(0, busy - own) / total : NaN,
      loadAverage1m: { median: sorted[Math.floor(sorted.length / 2)], max: sorted[sorted.length - 1] },
    };
  }
}
