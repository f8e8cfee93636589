/**
 * A queue worker: takes range jobs from the queue (any number of workers, on any machine),
 * hashes each range with the local pool (range-hash.ts) and returns its levels. BullMQ owns
 * job state: a job's lock is renewed while it is hashed; a worker that dies (SIGKILL, power)
 * stops renewing, and the stalled-job check of any other worker puts the job back in the
 * queue for someone else. A job whose data is not a range job of this engine, or whose input
 * changed since it was queued, fails at once and for good (UnrecoverableError): no retry could
 * make it right.
 */
import { DataChangedError, InputError } from '../errors.js';
import type { BackendChoice } from '../hash/types.js';
import type { MappingChoice } from '../io/mapped-file.js';
import { bullmq } from './bullmq.js';
import { checkReachable, connectionOptions, parseQueueName, parseRedisUrl } from './connection.js';
import { checkRangeJob, describeInput } from './identity.js';
import { hashRange, kWorkerName } from './range-hash.js';

export interface QueueWorkerOptions {
  /** redis://HOST:PORT of the queue. */
  readonly queue: string;
  readonly queueName?: string;
  /** Hashing threads per job (default 1). */
  readonly threads?: number;
  readonly backend?: BackendChoice;
  readonly mmap?: MappingChoice;
  /** Jobs hashed at once (default 1). */
  readonly concurrency?: number;
  /** How long a job's lock lasts unrenewed: a dead worker's job is taken back after about this long (default 30 s). */
  readonly lockSeconds?: number;
  /** Times a job may be taken back from dead workers before it fails (default 5): a range that kills every worker must not kill them all. */
  readonly maxStalls?: number;
  /** Stop taking jobs; jobs in hand are finished first. */
  readonly signal?: AbortSignal;
  /** Called after each job, done or failed. */
  readonly onJob?: (report: WorkerJobReport) => void;
  /** Called once the worker is connected and waiting for jobs. */
  readonly onReady?: () => void;
}

export interface WorkerJobReport {
  readonly job: string;
  readonly build: string;
  readonly range: number;
  readonly segments: number;
  readonly bytes: number;
  readonly seconds: number;
  /** Why it failed, if it did. */
  readonly error?: string;
}

export interface QueueWorkerSummary {
  readonly worker: string;
  readonly jobs: number;
  readonly failed: number;
  readonly bytes: number;
}

const kDefaultLockSeconds = 30;
const kDefaultMaxStalls = 5;

function positive(value: number | undefined, fallback: number, name: string, max: number): number {
  const v = value ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v <= 0 || v > max) throw new InputError(`${name} must be a number from 1 to ${max}, got ${String(value)}`);
  return v;
}

/** runQueueWorker works the queue until `signal` aborts, then resolves with what it did. */
export async function runQueueWorker(options: QueueWorkerOptions): Promise<QueueWorkerSummary> {
  const target = parseRedisUrl(options.queue);
  const queueName = parseQueueName(options.queueName);
  const threads = Math.floor(positive(options.threads, 1, 'threads', 256));
  const concurrency = Math.floor(positive(options.concurrency, 1, 'concurrency', 1024));
  const lockMs = Math.round(positive(options.lockSeconds, kDefaultLockSeconds, 'lockSeconds', 3600) * 1000);
  const maxStalls = Math.floor(positive(options.maxStalls, kDefaultMaxStalls, 'maxStalls', 1000));
  if (options.signal?.aborted) return { worker: kWorkerName, jobs: 0, failed: 0, bytes: 0 };
  await checkReachable(target, queueName);

  const { Worker, UnrecoverableError } = bullmq();
  const summary = { worker: kWorkerName, jobs: 0, failed: 0, bytes: 0 };
  const local = { threads, backend: options.backend ?? 'auto', mmap: options.mmap ?? 'auto', signal: undefined };
  const worker = new Worker(
    queueName,
    async (job) => {
      const checked = checkRangeJob(job.id, job.data);
      if (typeof checked === 'string') throw new UnrecoverableError(`job ${String(job.id)} is not a range job of this engine: ${checked}`);
      const { data, span, plan } = checked;
      const started = performance.now();
      const report = { job: job.id!, build: data.build, range: span.range, segments: span.segmentCount, bytes: span.byteLength };
      try {
        const result = await hashRange(data, span, plan, local);
        summary.jobs++;
        summary.bytes += span.byteLength;
        options.onJob?.({ ...report, seconds: result.seconds });
        return result;
      } catch (error) {
        summary.failed++;
        const message = `range ${span.range} of ${describeInput(data.spec.input)} (bytes ${span.byteOffset}–${span.byteOffset + span.byteLength}) on ${kWorkerName}: ${(error as Error).message}`;
        options.onJob?.({ ...report, seconds: (performance.now() - started) / 1000, error: message });
        // A changed input stays changed: fail the job (and with it the build) now.
        if (error instanceof DataChangedError) throw new UnrecoverableError(message);
        throw new Error(message, { cause: error });
      }
    },
    {
      connection: connectionOptions(target, true),
      name: kWorkerName,
      concurrency,
      lockDuration: lockMs,
      stalledInterval: lockMs,
      maxStalledCount: maxStalls,
      autorun: false,
    },
  );
  // Connection trouble is retried by ioredis; say so once per kind of error rather than crash.
  const said = new Set<string>();
  worker.on('error', (error) => {
    if (said.has(error.message)) return;
    said.add(error.message);
    process.emitWarning(`queue worker: ${error.message}`);
  });
  const stopped = new Promise<void>((resolve) => {
    const stop = () => void worker.close().finally(resolve);
    if (options.signal?.aborted) stop();
    else options.signal?.addEventListener('abort', stop, { once: true });
  });
  await worker.waitUntilReady();
  options.onReady?.();
  const running = worker.run();
  await stopped;
  await running.catch(() => undefined);
  return summary;
}
