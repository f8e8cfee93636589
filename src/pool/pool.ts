/**
 * A piscina pool of worker threads running one worker module's default export per task. It
 * knows workers and tasks, not what a task does (the file builder's: one file segment, see
 * src/builders/segment-worker.ts). Plain workers without piscina: task-workers.ts.
 */
import { createRequire } from 'node:module';

export interface TaskPool<Task, Result> {
  run(task: Task): Promise<Result>;
  /** release says this build is done with the pool: a private one is destroyed, a shared one stays warm. */
  release(): Promise<void>;
}

export interface TaskPoolOptions {
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

const sharedPools = new Map<string, Promise<TaskPool<unknown, unknown>>>();

/**
 * createTaskPool starts `threads` workers running `workerFile` (a compiled module; a `.cjs`
 * bundle loads without Node's ES module loader). A shared pool reuses the warm one of the same
 * worker and shape. piscina is loaded here, on first use, so commands and inputs that need no
 * pool start faster.
 */
export function createTaskPool<Task, Result>(threads: number, workerFile: string, options: TaskPoolOptions = {}): Promise<TaskPool<Task, Result>> {
  const tasksPerWorker = options.tasksPerWorker ?? 1;
  if (!options.shared) return startPool(threads, workerFile, tasksPerWorker, false);
  const key = `${workerFile}/${threads}/${tasksPerWorker}`;
  let pool = sharedPools.get(key) as Promise<TaskPool<Task, Result>> | undefined;
  if (!pool) {
    pool = startPool<Task, Result>(threads, workerFile, tasksPerWorker, true);
    sharedPools.set(key, pool as Promise<TaskPool<unknown, unknown>>);
    // A pool that failed to start is not kept for the next build to trip over.
    pool.catch(() => sharedPools.delete(key));
  }
  return pool;
}

/** startPool starts a pool: a shared one outlives the build that started it. */
async function startPool<Task, Result>(threads: number, workerFile: string, tasksPerWorker: number, shared: boolean): Promise<TaskPool<Task, Result>> {
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
    run: (task) => pool.run(task) as Promise<Result>,
    release: shared ? async () => {} : () => pool.destroy(),
  };
}
