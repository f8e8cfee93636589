/**
 * TaskWorkers: `threads` plain worker threads, one task each at a time, spoken to with one
 * plain postMessage per task and one answer back (the stream builder's: one stream segment).
 *
 * Why not the piscina pool (pool.ts): a piscina task allocates some 10 KiB of
 * short-lived objects on the main thread (task info, async resources, promises), and over a
 * long stream (4096 segments in 32 GiB) the survivors of those scavenges made V8 double the
 * main isolate's young generation again and again, so peak RSS grew with the stream's length
 * (+15 % from 1 to 32 GiB). A bare loop of trivial piscina tasks grows the same way; the same
 * loop over plain workers keeps the main heap at 5 MiB. Each worker's own young generation is
 * capped (1 MiB semi-spaces) for the same reason.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** Workers need compiled JS (Node 20 runs no .ts in workers), so the entry is always in dist/. */
const kEntryFile = path.join(kPackageRoot, 'dist', 'pool', 'task-worker-entry.js');
/** Each worker's young generation in MiB: V8 sizes it at 3 semi-spaces, so 1 MiB each. */
const kYoungGenerationMb = 3;

export interface TaskWorkers<Task, Result> {
  /** run posts `task` to an idle worker (or queues it) and resolves to the worker's answer; an answer that is a Uint8Array is moved, not copied. */
  run(task: Task): Promise<Result>;
  /** destroy stops every worker; tasks still running are dropped. */
  destroy(): Promise<void>;
}

interface Job<Task, Result> {
  readonly task: Task;
  readonly resolve: (value: Result) => void;
  readonly reject: (error: unknown) => void;
}

/** createTaskWorkers starts `threads` workers running `workerFile`'s default export per task. */
export function createTaskWorkers<Task, Result>(threads: number, workerFile: string): TaskWorkers<Task, Result> {
  const queue: Job<Task, Result>[] = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, Job<Task, Result>>();
  let broken: Error | undefined;
  let destroyed = false;

  const dispatch = (worker: Worker): void => {
    const job = queue.shift();
    if (!job) {
      idle.push(worker);
      return;
    }
    running.set(worker, job);
    worker.postMessage(job.task);
  };

  // A worker that dies takes the build with it: its task and every queued one fail.
  const fail = (error: Error): void => {
    broken ??= error;
    for (const job of [...running.values(), ...queue.splice(0)]) job.reject(broken);
    running.clear();
  };

  const workers = Array.from({ length: threads }, () => {
    const worker = new Worker(kEntryFile, { workerData: { workerFile }, resourceLimits: { maxYoungGenerationSizeMb: kYoungGenerationMb } });
    worker.on('message', (answer: { value: Result } | { error: unknown }) => {
      const job = running.get(worker);
      running.delete(worker);
      if ('error' in answer) job?.reject(answer.error);
      else job?.resolve(answer.value);
      if (!broken) dispatch(worker);
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => {
      if (!destroyed) fail(new Error(`a worker thread exited (code ${code})`));
    });
    idle.push(worker);
    return worker;
  });

  return {
    run(task) {
      if (broken) return Promise.reject(broken);
      return new Promise((resolve, reject) => {
        queue.push({ task, resolve, reject });
        const worker = idle.pop();
        if (worker) dispatch(worker);
      });
    },
    async destroy() {
      destroyed = true;
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}
