/**
 * runBench: runs the suites of one preset, judges the targets and writes the report.
 * Presets: `quick` (about a minute on 2 cores), `full` (`npm run bench`: 1 GiB files, 32 GiB
 * stream, a 2^26-leaf tree file) and `tiny` (seconds; for the smoke test only).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { kHashNames, type HashName } from '../hash/types.js';
import { collectEnvironment } from './environment.js';
import { runKernelSuite, type KernelSuiteOptions } from './kernels.js';
import { deriveOverhead } from './overhead.js';
import { runPeerSuite, type PeerSuiteOptions } from './peers.js';
import { writeReport, type BenchReport } from './report.js';
import type { BenchRow, ProgressSink } from './results.js';
import { evaluateTargets } from './targets.js';
import { secondsNow } from './timing.js';
import { runTreeSuite, type TreeSuiteOptions } from './trees.js';

export type BenchPreset = 'tiny' | 'quick' | 'full';
export const kBenchPresets: readonly BenchPreset[] = ['tiny', 'quick', 'full'];

interface PresetOptions {
  readonly kernels: KernelSuiteOptions;
  readonly peers: PeerSuiteOptions;
  readonly trees: Omit<TreeSuiteOptions, 'workDir'>;
}

const KiB = 1024;
const MiB = 1024 * KiB;
const GiB = 1024 * MiB;
const kLeafSizes = [64, KiB, 4 * KiB, 64 * KiB, MiB];
const kBenchHashes: readonly HashName[] = ['sha256', 'blake3'];

const kPresets: Record<BenchPreset, PresetOptions> = {
  tiny: {
    kernels: { hashes: kBenchHashes, leafSizes: [64, 4 * KiB, 64 * KiB], batchBytes: 64 * KiB, batchNodes: 256, budgetSeconds: 0.003 },
    peers: { leafSizes: [64, 4 * KiB, 64 * KiB], batchNodes: 256, budgetSeconds: 0.003, opensslSizes: [] },
    trees: {
      memoryLeavesLog2: [8, 10], peerTreeCapSeconds: 1, fileBytes: 2 * MiB, fileBlockSizes: [4 * KiB, 64 * KiB], threads: [1, 2], runs: 1,
      streamBytes: [2 * MiB, 4 * MiB], proofMemoryLeavesLog2: 8, proofFileLeavesLog2: 12, proofCount: 20, diffBytes: MiB, diffChanges: [1, 4],
    },
  },
  quick: {
    kernels: { hashes: kBenchHashes, leafSizes: kLeafSizes, batchBytes: MiB, batchNodes: 4096, budgetSeconds: 0.04 },
    peers: { leafSizes: kLeafSizes, batchNodes: 4096, budgetSeconds: 0.04, opensslSizes: [4 * KiB, 64 * KiB] },
    trees: {
      memoryLeavesLog2: [10, 12, 14, 16], peerTreeCapSeconds: 5, fileBytes: 64 * MiB, fileBlockSizes: [4 * KiB, 64 * KiB, MiB], threads: [1, 2], runs: 1,
      streamBytes: [64 * MiB, 256 * MiB], proofMemoryLeavesLog2: 16, proofFileLeavesLog2: 20, proofCount: 500, diffBytes: 16 * MiB, diffChanges: [1, 16, 256],
    },
  },
  full: {
    kernels: { hashes: kHashNames, leafSizes: kLeafSizes, batchBytes: 4 * MiB, batchNodes: 16384, budgetSeconds: 0.3 },
    peers: { leafSizes: kLeafSizes, batchNodes: 16384, budgetSeconds: 0.3, opensslSizes: kLeafSizes },
    trees: {
      memoryLeavesLog2: [10, 12, 14, 16, 18, 20], peerTreeCapSeconds: 120, fileBytes: GiB, fileBlockSizes: [4 * KiB, 64 * KiB, MiB], threads: [1, 2], runs: 5,
      streamBytes: [GiB, 32 * GiB], proofMemoryLeavesLog2: 20, proofFileLeavesLog2: 26, proofCount: 2000, diffBytes: 256 * MiB, diffChanges: [1, 16, 256, 4096],
    },
  },
};

export interface RunBenchOptions {
  readonly preset: BenchPreset;
  /** Folder for report.json, report.md and the charts. */
  readonly outDir: string;
  readonly progress: ProgressSink;
}

/** runBench runs every suite of the preset and writes the report; resolves to it and the files written. */
export async function runBench(options: RunBenchOptions): Promise<{ report: BenchReport; files: string[] }> {
  const started = secondsNow();
  const preset = kPresets[options.preset];
  const { progress } = options;
  const environment = await collectEnvironment();
  const rows: BenchRow[] = [];
  rows.push(...(await runKernelSuite(preset.kernels, progress)));
  rows.push(...(await runPeerSuite(preset.peers, progress)));
  const workDir = await mkdtemp(path.join(os.tmpdir(), 'merkle-bench-'));
  try {
    rows.push(...(await runTreeSuite({ ...preset.trees, workDir }, progress)));
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
  rows.push(...deriveOverhead(rows, environment));
  const report: BenchReport = {
    formatVersion: 1,
    preset: options.preset,
    environment,
    rows,
    targets: evaluateTargets(rows, environment),
    seconds: secondsNow() - started,
    loadAverageAtEnd: os.loadavg()[0]!,
  };
  const files = await writeReport(report, options.outDir);
  return { report, files };
}
