/**
 * Entry of a stream-segment worker thread (see segment-workers.ts). It loads the worker module
 * named in workerData (dist/pool/worker.js, or a test's fault-injecting one) and answers each
 * posted task with `{ value }` — its levels moved, or their length — or `{ error }`.
 */
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { SegmentTask } from './task.js';

type HashSegmentTask = (task: SegmentTask) => Promise<Uint8Array | number>;

const port = parentPort!;
// Tasks posted while this import runs wait in the port's queue until the listener below starts it.
const { default: hashSegmentTask } = (await import(pathToFileURL((workerData as { workerFile: string }).workerFile).href)) as { default: HashSegmentTask };

port.on('message', (task: SegmentTask) => {
  hashSegmentTask(task).then(
    (value) => port.postMessage({ value }, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error : new Error(String(error)) }),
  );
});
