/**
 * SegmentWorkers: the stream builder's worker threads — `threads` workers, one segment each at
 * a time, spoken to with one plain postMessage per task and one answer back.
 *
 * Why not the piscina pool the file builder uses: a piscina task allocates some 10 KiB of
 * short-lived objects on the main thread (task info, async resources, promises), and over a
 * long stream (4096 segments in 32 GiB) the survivors of those scavenges made V8 double the
 * main isolate's young generation again and again, so peak RSS grew with the stream's length
 * (+15 % from 1 to 32 GiB). A bare loop of trivial piscina tasks grows the same way; the same
 * loop over plain workers keeps the main heap at 5 MiB. Each worker's own young generation is
 * capped (1 MiB semi-spaces) for the same reason.
 */
import { Worker } from 'node:worker_threads';
import path from 'node:path';
import { kWorkerFile } from './pool.js';
import type { SegmentTask } from './task.js';

/** Beside the compiled worker module: workers need compiled JS, so this is always dist/ too. */
const kEntryFile = path.join(path.dirname(kWorkerFile), 'segment-worker-entry.js');
/** Each worker's young generation in MiB: V8 sizes it at 3 semi-spaces, so 1 MiB each. */
const kYoungGenerationMb = 3;

export interface SegmentWorkers {
  /**
   * run hashes a stream segment held in a SharedArrayBuffer (`source.data`), read in place;
   * resolves to the byte length of its levels, written at the start of that buffer, or to the
   * levels themselves when they are larger than the buffer (blocks under 64 bytes).
   */
  run(task: SegmentTask): Promise<Uint8Array | number>;
  /** destroy stops every worker; tasks still running are dropped. */
  destroy(): Promise<void>;
}

interface Job {
  readonly task: SegmentTask;
  readonly resolve: (value: Uint8Array | number) => void;
  readonly reject: (error: unknown) => void;
}

/** createSegmentWorkers starts `threads` workers running `workerFile`'s default export per task. */
export function createSegmentWorkers(threads: number, workerFile: string = kWorkerFile): SegmentWorkers {
  const queue: Job[] = [];
  const idle: Worker[] = [];
  const running = new Map<Worker, Job>();
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
    worker.on('message', (answer: { value: Uint8Array | number } | { error: unknown }) => {
      const job = running.get(worker);
      running.delete(worker);
      if ('error' in answer) job?.reject(answer.error);
      else job?.resolve(answer.value);
      if (!broken) dispatch(worker);
    });
    worker.on('error', (error) => fail(error));
    worker.on('exit', (code) => {
      if (!destroyed) fail(new Error(`a segment worker exited (code ${code})`));
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
