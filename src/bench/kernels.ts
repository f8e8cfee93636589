/**
 * Kernel suite: each hash × backend × kernel on leaves of 64 B … 1 MiB (bytes/s) and on
 * 64/65-byte nodes (hashes/s), one hash per call and batched, so per-call overhead shows.
 */
import { randomFillSync } from 'node:crypto';
import { NO_PREFIX, type HashName } from '../hash/types.js';
import { listKernelVariants } from './kernel-variants.js';
import type { BenchRow, ProgressSink } from './results.js';
import { timeSync } from './timing.js';

export interface KernelSuiteOptions {
  readonly hashes: readonly HashName[];
  readonly leafSizes: readonly number[];
  /** Bytes of data per batched leaf call (at least one leaf). */
  readonly batchBytes: number;
  /** Nodes per batched node call. */
  readonly batchNodes: number;
  /** Seconds spent on each measurement. */
  readonly budgetSeconds: number;
}

/** randomBytes returns `length` random bytes starting at a random offset within a page, as real buffers do. */
export function randomBytes(length: number): Uint8Array {
  const offset = Math.floor(Math.random() * 64) * 64;
  const backing = new Uint8Array(length + offset);
  randomFillSync(backing);
  return backing.subarray(offset, offset + length);
}

export async function runKernelSuite(options: KernelSuiteOptions, progress: ProgressSink): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const variants = await listKernelVariants(options.hashes);
  for (const v of variants) {
    const implementation = `merkle-engine ${v.hash}/${v.backend}/${v.variant}`;
    if ('skipped' in v) {
      rows.push({ suite: 'kernels', test: 'kernel', implementation, hash: v.hash, backend: v.backend, skipped: v.skipped });
      continue;
    }
    const k = v.kernel;
    const base = { suite: 'kernels' as const, implementation, hash: v.hash, backend: v.backend, kernel: k.kernel };
    progress(`kernels: ${implementation} (${k.kernel})`);
    const digest = k.digestSize;
    for (const size of options.leafSizes) {
      const count = Math.max(1, Math.floor(options.batchBytes / size));
      const data = randomBytes(count * size);
      const out = new Uint8Array(count * digest);
      const batched = timeSync(() => k.hashBlocks(data, size, NO_PREFIX, out), options.budgetSeconds);
      rows.push({ ...base, test: 'leaf', size, mode: 'batched', bytesPerSecond: (count * size) / batched.seconds, hashesPerSecond: count / batched.seconds });
      const one = data.subarray(0, size);
      const single = timeSync(() => k.hashBlocks(one, size, NO_PREFIX, out), options.budgetSeconds);
      rows.push({ ...base, test: 'leaf', size, mode: 'one-per-call', bytesPerSecond: size / single.seconds, hashesPerSecond: 1 / single.seconds });
    }
    // Nodes: 64-byte messages (two digests) and 65-byte ones (RFC 9162's 0x01 prefix + two digests).
    const level = randomBytes(options.batchNodes * 2 * digest);
    const out = new Uint8Array(options.batchNodes * digest);
    for (const [test, prefix] of [['node64', NO_PREFIX], ['node65', 1]] as const) {
      const size = 2 * digest + (prefix === NO_PREFIX ? 0 : 1);
      const batched = timeSync(() => k.hashPairs(level, options.batchNodes, prefix, false, out), options.budgetSeconds);
      rows.push({ ...base, test, size, mode: 'batched', hashesPerSecond: options.batchNodes / batched.seconds, bytesPerSecond: (options.batchNodes * size) / batched.seconds });
      const single = timeSync(() => k.hashPairs(level, 1, prefix, false, out), options.budgetSeconds);
      rows.push({ ...base, test, size, mode: 'one-per-call', hashesPerSecond: 1 / single.seconds, bytesPerSecond: size / single.seconds });
    }
  }
  return rows;
}
