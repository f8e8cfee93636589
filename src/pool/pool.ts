/**
 * The file builder's hashing pool: piscina worker threads running dist/pool/worker.cjs.
 * Threading is a parameter of the build, not of the hash: each task is one file segment.
 * (Streams run on plain worker threads: segment-workers.ts.)
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SegmentTask } from './task.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The worker module: src/pool/worker.ts bundled into one CommonJS file at `npm run build`
 * (scripts/bundle.mjs), which a worker thread loads with require(), without Node's ES module
 * loader. Workers need compiled JS (Node 20 cannot run .ts in workers), so the pool always
 * loads dist/.
 */
export const kWorkerFile = path.join(kPackageRoot, 'dist', 'pool', 'worker.cjs');

export interface HashPool {
  run(task: SegmentTask): Promise<Uint8Array>;
  /** release says this build is done with the pool: a private one is destroyed, a shared one stays warm. */
  release(): Promise<void>;
}

export interface HashPoolOptions {
  /**
   * Tasks a worker may hold at once (default 1): 2 keeps a worker busy when the thread that
   * hands out tasks is itself busy hashing.
   */
  readonly tasksPerWorker?: number;
  /**
   * Share one warm pool among the builds of this process that ask for the same shape: a
   * worker costs tens of milliseconds of CPU to start, and a process building many files
   * (a backup, an object store) should pay that once. Idle workers do not keep the process
   * alive and end after kSharedIdleMs.
   */
  readonly shared?: boolean;
}

/** How long a shared pool's idle workers live: long enough for the next build of a batch. */
export const kSharedIdleMs = 2000;

const sharedPools = new Map<string, Promise<HashPool>>();

/**
 * createHashPool starts `threads` workers (a shared pool: reuses the warm one of that shape).
 * `workerFile` replaces the worker (tests inject faults; such pools are never shared).
 * piscina is loaded here, on first use, so commands and inputs that need no pool start faster.
 */
export function createHashPool(threads: number, workerFile: string = kWorkerFile, options: HashPoolOptions = {}): Promise<HashPool> {
  const tasksPerWorker = options.tasksPerWorker ?? 1;
  if (!options.shared || workerFile !== kWorkerFile) return startPool(threads, workerFile, tasksPerWorker, false);
  const key = `${threads}/${tasksPerWorker}`;
  let pool = sharedPools.get(key);
  if (!pool) {
    pool = startPool(threads, workerFile, tasksPerWorker, true);
    sharedPools.set(key, pool);
    // A pool that failed to start is not kept for the next build to trip over.
    pool.catch(() => sharedPools.delete(key));
  }
  return pool;
}

/** startPool starts a pool: a shared one outlives the build that started it. */
async function startPool(threads: number, workerFile: string, tasksPerWorker: number, shared: boolean): Promise<HashPool> {
  // require(), not import(): piscina is CommonJS, and import() would first start Node's ES
  // module loader in a CommonJS process (the `merkle` command): 18 against 13 ms of CPU to load.
  const { Piscina } = createRequire(import.meta.url)('piscina') as typeof import('piscina');
  const pool = new Piscina({
    filename: workerFile,
    // A shared pool lets idle workers go (they are started again on demand); a private one
    // starts all of them at once and ends them with the build.
    minThreads: shared ? 0 : threads,
    maxThreads: threads,
    idleTimeout: shared ? kSharedIdleMs : 0,
    // Segments are CPU-bound; more than one queued task per thread only adds latency, unless
    // the thread handing them out cannot always answer at once.
    concurrentTasksPerWorker: tasksPerWorker,
  });
  return {
    run: (task) => pool.run(task) as Promise<Uint8Array>,
    release: shared ? async () => {} : () => pool.destroy(),
  };
}
