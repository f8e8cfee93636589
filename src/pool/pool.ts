/**
 * The hashing pool: piscina worker threads running dist/pool/worker.js. Threading is a
 * parameter of the build, not of the hash: each task is one segment.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SegmentTask } from './task.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Workers need compiled JS (Node 20 cannot run .ts in workers), so the pool always loads dist/. */
export const kWorkerFile = path.join(kPackageRoot, 'dist', 'pool', 'worker.js');

/** defaultThreads is the number of hashing threads when none is asked for: one per core. */
export function defaultThreads(): number {
  return Math.max(1, os.availableParallelism());
}

export interface HashPool {
  run(task: SegmentTask): Promise<Uint8Array>;
  destroy(): Promise<void>;
}

/**
 * createHashPool starts `threads` workers. `workerFile` replaces the worker (tests inject faults).
 * piscina is imported here, on first use, so commands and inputs that need no pool start faster.
 */
export async function createHashPool(threads: number, workerFile: string = kWorkerFile): Promise<HashPool> {
  const { Piscina } = await import('piscina');
  const pool = new Piscina({
    filename: workerFile,
    minThreads: threads,
    maxThreads: threads,
    // Segments are CPU-bound; more than one queued task per thread only adds latency.
    concurrentTasksPerWorker: 1,
  });
  return {
    // A stream segment's bytes are transferred to the worker, not copied.
    run: (task) => pool.run(task, 'data' in task.source ? { transferList: [task.source.data.buffer as ArrayBuffer] } : {}) as Promise<Uint8Array>,
    destroy: () => pool.destroy(),
  };
}
