// `node bench/queue-workers-child.mjs URL QUEUE N`: N queue workers (BullMQ Workers with their
// own Redis connections, one job at a time each, one hashing thread) in this one process, as
// stand-ins for N machines; prints "ready" once all wait for jobs, ends on SIGTERM.
import { runQueueWorker } from '../dist/index.js';

const [url, queueName, count] = process.argv.slice(2);
const abort = new AbortController();
process.once('SIGTERM', () => abort.abort());
let ready = 0;
const workers = Array.from({ length: Number(count) }, () =>
  runQueueWorker({ queue: url, queueName, threads: 1, signal: abort.signal, onReady: () => ++ready === Number(count) && console.log('ready') }),
);
await Promise.all(workers);
