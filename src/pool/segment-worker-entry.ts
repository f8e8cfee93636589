/**
 * Entry of a stream-segment worker thread (see segment-workers.ts). It loads the worker module
 * named in workerData (dist/pool/worker.cjs, or a test's fault-injecting ES module) and answers
 * each posted task with `{ value }` — its levels moved, or their length — or `{ error }`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import type { SegmentTask } from './task.js';

type HashSegmentTask = (task: SegmentTask) => Promise<Uint8Array | number>;

const port = parentPort!;
// Tasks posted while this import runs wait in the port's queue until the listener below starts it.
const { workerFile } = workerData as { workerFile: string };
// A CommonJS worker module (the bundle) is required: import() would hand back its whole
// exports object as `default`, not the function it exports as default.
const { default: hashSegmentTask } = (
  workerFile.endsWith('.cjs') ? createRequire(import.meta.url)(workerFile) : await import(pathToFileURL(workerFile).href)
) as { default: HashSegmentTask };

port.on('message', (task: SegmentTask) => {
  hashSegmentTask(task).then(
    (value) => port.postMessage({ value }, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error : new Error(String(error)) }),
  );
});
