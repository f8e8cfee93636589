/**
 * Entry of a plain worker thread (see task-workers.ts). It loads the worker module named in
 * workerData (a `.cjs` bundle, or an ES module such as a test's fault-injecting worker) and
 * answers each posted task with `{ value }` (a Uint8Array moved) or `{ error }`.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
type RunTask = (task: unknown) => Promise<unknown>;

const port = parentPort!;
// Tasks posted while this import runs wait in the port's queue until the listener below starts it.
const { workerFile } = workerData as { workerFile: string };
// A CommonJS worker module (the bundle) is required: import() would hand back its whole
// exports object as `default`, not the function it exports as default.
const { default: runTask } = (
  workerFile.endsWith('.cjs') ? createRequire(import.meta.url)(workerFile) : await import(pathToFileURL(workerFile).href)
) as { default: RunTask };

port.on('message', (task: unknown) => {
  runTask(task).then(
    (value) => port.postMessage({ value }, value instanceof Uint8Array ? [value.buffer as ArrayBuffer] : []),
    (error: unknown) => port.postMessage({ error: error instanceof Error ? error : new Error(String(error)) }),
  );
});
