/**
 * What every bench run records about where it ran: CPU model and flags, Node version, thread
 * count, date, and which kernel each backend dispatched to.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { describeBackends, type HashBackendsReport } from '../hash/registry.js';

export interface BenchEnvironment {
  readonly date: string;
  readonly cpuModel: string;
  /** The CPU flags that matter to the kernels (from /proc/cpuinfo), or every flag when few. */
  readonly cpuFlags: string[];
  readonly cores: number;
  readonly memoryBytes: number;
  readonly platform: string;
  readonly node: string;
  /** Threads the default build uses (one per core). */
  readonly threads: number;
  readonly backends: HashBackendsReport[];
  /**
   * 1-minute load average when the run started. Above zero-ish, other processes shared the
   * cores and every figure (ours and the peers' alike) is lower and noisier than on an idle machine.
   */
  readonly loadAverageAtStart: number;
}

/** Flags that decide which kernel can run; the rest of /proc/cpuinfo's list is noise here. */
const kRelevantFlags = ['sse4_1', 'ssse3', 'avx', 'avx2', 'sha_ni', 'avx512f', 'avx512vl', 'avx512bw', 'avx512dq', 'bmi2', 'vaes', 'aes'];

function cpuInfo(): { model: string; flags: string[] } {
  const model = os.cpus()[0]?.model?.trim() || 'unknown';
  try {
    const text = readFileSync('/proc/cpuinfo', 'utf8');
    const flagsLine = /^flags\s*:\s*(.*)$/m.exec(text)?.[1] ?? '';
    const all = flagsLine.split(/\s+/).filter(Boolean);
    return { model, flags: kRelevantFlags.filter((f) => all.includes(f)) };
  } catch {
    // No /proc (not Linux): the model from os.cpus() is all there is; flags stay unknown.
    return { model, flags: [] };
  }
}

/** collectEnvironment describes this machine and the dispatched kernels, now. */
export async function collectEnvironment(): Promise<BenchEnvironment> {
  const cpu = cpuInfo();
  return {
    date: new Date().toISOString(),
    cpuModel: cpu.model,
    cpuFlags: cpu.flags,
    cores: os.availableParallelism(),
    memoryBytes: os.totalmem(),
    platform: `${process.platform}-${process.arch}`,
    node: process.version,
    threads: os.availableParallelism(),
    backends: await describeBackends(),
    loadAverageAtStart: os.loadavg()[0]!,
  };
}
