import { readFileSync } from 'node:fs';
import os from 'node:os';

export interface MachineDescription {
  readonly cpuModel: string;
  readonly logicalCpus: number;
  readonly availableParallelism: number;
  readonly cpuMhz: number;
  readonly cpuFlags: string;
  readonly totalMemoryGiB: number;
  readonly os: string;
  readonly arch: string;
  readonly node: string;
  readonly loadAverageAtStart: readonly number[];
}

/** The SIMD features that decide which ggml CPU backend the prebuilt binary picks. */
function simdFlags(): string {
  try {
    const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
    const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(/\s+/) ?? [];
    return ['avx', 'avx2', 'fma', 'f16c', 'avx512f', 'avx512_vnni', 'avx_vnni', 'asimd', 'sve']
      .filter((flag) => flags.includes(flag)).join(' ');
  } catch {
    return '';
  }
}

export function describeMachine(): MachineDescription {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model?.trim() ?? 'unknown',
    logicalCpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuMhz: cpus[0]?.speed ?? 0,
    cpuFlags: simdFlags(),
    totalMemoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    arch: os.arch(),
    node: process.version,
    loadAverageAtStart: os.loadavg().map((value) => Math.round(value * 100) / 100),
  };
}
