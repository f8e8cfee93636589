/**
 * The coordinator of a queued build: cuts the input into range jobs and queues them as one
 * BullMQ flow (children: the ranges, on the shared queue every worker takes from; parent: the
 * combine job, on a queue of this build's own that only its coordinator works). BullMQ moves
 * the parent to its queue when every child has finished; the coordinator then checks each
 * range's result, combines them into the tree (combine.ts) and writes the tree file
 * atomically. Job ids come from the build's identity (identity.ts): the same command run again
 * after a crash finds its flow, and only what is unfinished is hashed.
 */
import type { FlowProducer, Job, Queue, Worker } from 'bullmq';
import { buildTreeNamed } from '../api/build.js';
import { apiOptionName, fillBuildOptionsNamed, type BuildOptions, type OptionNamer } from '../api/options.js';
import { toHex } from '../encoding.js';
import { InputError, QueueError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendName, HashName } from '../hash/types.js';
import type { TreeFileMeta } from '../store/format.js';
import type { TreeFileWriter } from '../store/writer.js';
import { kProfiles, type ProfileName } from '../tree/profile.js';
import { segmentLevelForBytes } from '../tree/segments.js';
import { bullmq } from './bullmq.js';
import { combineRanges, type WorkerTally } from './combine.js';
import { checkReachable, connectionOptions, parseQueueName, parseRedisUrl, type RedisTarget } from './connection.js';
import { buildIdOf, combineJobId, combineQueueName, describeInput, planRanges, rangeJobId, rangeSpan, type QueuedBuildSpec, type RangeJobData, type RangePlan } from './identity.js';
import { fetchRange, identifyInput } from './sources.js';
import { workerName } from './status.js';

export interface QueueBuildOptions extends Pick<BuildOptions, 'profile' | 'hash' | 'backend' | 'blockSize' | 'segmentSize' | 'out' | 'signal'> {
  /** redis://HOST:PORT of the queue. */
  readonly queue: string;
  /** The queue workers take range jobs from (default `merkle`). */
  readonly queueName?: string;
  /** Data per job, rounded down to whole segments (default 256 MiB). */
  readonly rangeSize?: number;
  /** Tries per range job before the build fails (default 3). */
  readonly attempts?: number;
  readonly onProgress?: (progress: QueueProgress) => void;
}

export interface QueueProgress {
  readonly bytesDone: number;
  readonly bytesTotal: number;
  readonly segmentsDone: number;
  readonly segmentsTotal: number;
  /** Workers connected to the queue now. */
  readonly workers: number;
  /** Distinct workers seen connected during this build. */
  readonly workersSeen: number;
}

export interface QueueBuildResult {
  readonly root: Uint8Array;
  readonly rootHex: string;
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly backend: BackendName;
  /** Leaves. */
  readonly size: number;
  readonly bytes: number;
  readonly blockSize: number;
  readonly ambiguous: boolean;
  readonly seconds: number;
  readonly out?: string;
  /** The build's id (job ids are derived from it). */
  readonly build: string;
  readonly segments: number;
  readonly ranges: number;
  /** Ranges already finished when this run began (a rerun after a crash). */
  readonly rangesDoneBefore: number;
  /** Times range jobs were started by workers, retries and stall recoveries included (≥ ranges). */
  readonly jobStarts: number;
  /** Per worker (host:pid), ranges and bytes whose results were combined. */
  readonly workers: Record<string, WorkerTally>;
  /** The input fit one segment, so the coordinator built it itself and queued nothing. */
  readonly local: boolean;
  /**
   * The combine, which reads, checks and writes each range's result as soon as it is done:
   * bytes of segment levels (or roots) read; seconds from the last range done to the tree
   * published (what the combine adds to the hashing); of those, seconds committing the tree
   * file (its checksums, fsync and rename).
   */
  readonly combine: { readonly resultBytes: number; readonly tailSeconds: number; readonly commitSeconds: number };
}

const MiB = 1024 * 1024;
/** Segments of a queued build: the largest of a file build's sizes (builders/parallel.ts). */
export const kQueueSegmentBytes = 32 * MiB;
export const kDefaultRangeBytes = 256 * MiB;
const kDefaultAttempts = 3;
const kPollMs = 200;
/** The combine job's lock: a coordinator killed while combining gives it back after this long. */
const kCombineLockMs = 10_000;

export function buildOnQueue(input: string, options: QueueBuildOptions): Promise<QueueBuildResult> {
  return buildOnQueueNamed(input, options, apiOptionName);
}

/** buildOnQueueNamed is buildOnQueue with errors naming options as `name` says (the CLI's flags). */
export async function buildOnQueueNamed(input: string, options: QueueBuildOptions, name: OptionNamer): Promise<QueueBuildResult> {
  const started = performance.now();
  if (typeof input !== 'string' || input === '') throw new InputError('a queued build needs a file path or an http(s) URL as its input');
  const filled = fillBuildOptionsNamed({ profile: options.profile, hash: options.hash, backend: options.backend, blockSize: options.blockSize, segmentSize: options.segmentSize, out: options.out, signal: options.signal }, name);
  const target = parseRedisUrl(options.queue, name('queue'));
  const queueName = parseQueueName(options.queueName, name('queueName'));
  const rangeSize = options.rangeSize ?? kDefaultRangeBytes;
  if (!Number.isSafeInteger(rangeSize) || rangeSize <= 0) throw new InputError(`${name('rangeSize')} must be a whole number of bytes, got ${String(options.rangeSize)}`);
  const attempts = options.attempts ?? kDefaultAttempts;
  if (!Number.isSafeInteger(attempts) || attempts < 1 || attempts > 100) throw new InputError(`${name('attempts')} must be a whole number from 1 to 100, got ${String(options.attempts)}`);
  const profile = kProfiles[filled.profile];
  const loaded = await loadTreeHasher(profile, filled.hash, filled.backend);
  await checkReachable(target, queueName);
  const identity = await identifyInput(input, filled.signal);

  const segmentLevel = segmentLevelForBytes(filled.blockSize, filled.segmentSizeGiven ? filled.segmentSize : Math.max(kQueueSegmentBytes, filled.blockSize));
  const segmentBytes = 2 ** segmentLevel * filled.blockSize;
  const spec: QueuedBuildSpec = {
    version: 1,
    input: identity,
    profile: filled.profile,
    hash: filled.hash,
    blockSize: filled.blockSize,
    segmentLevel,
    segmentsPerRange: Math.max(1, Math.floor(rangeSize / segmentBytes)),
    withLevels: filled.out !== undefined,
  };
  const plan = planRanges(spec);
  const base = { profile: filled.profile, hash: filled.hash, backend: loaded.backend, blockSize: filled.blockSize, out: filled.out };

  if (plan.segmentCount <= 1) {
    // One segment or less: a job would only add round trips, and the whole tree's top (b3tree's
    // ROOT flag over the data itself) is made by the single-machine builder.
    const source = identity.kind === 'file' ? identity.path : identity.size === 0 ? new Uint8Array(0) : await fetchRange(identity, 0, identity.size, filled.signal);
    const tree = await buildTreeNamed(source, { profile: filled.profile, hash: filled.hash, backend: filled.backend, blockSize: filled.blockSize, out: filled.out, signal: filled.signal, threads: 1 }, name);
    options.onProgress?.({ bytesDone: tree.bytes, bytesTotal: tree.bytes, segmentsDone: 1, segmentsTotal: 1, workers: 0, workersSeen: 0 });
    return {
      ...base, root: tree.root, rootHex: tree.rootHex, size: tree.size, bytes: tree.bytes, ambiguous: tree.ambiguous,
      seconds: (performance.now() - started) / 1000, build: buildIdOf(spec), segments: plan.segmentCount, ranges: 0, rangesDoneBefore: 0, jobStarts: 0, workers: {}, local: true,
      combine: { resultBytes: 0, tailSeconds: 0, commitSeconds: 0 },
    };
  }

  const build = buildIdOf(spec);
  const session = new QueueSession(target, queueName, build);
  try {
    const rangesDoneBefore = await session.enqueue(spec, plan, attempts);
    let writer: TreeFileWriter | undefined;
    if (filled.out) {
      const { createTreeFileWriter } = await import('../store/writer.js');
      writer = await createTreeFileWriter(filled.out, treeFileMeta(spec, plan, loaded.hasher.digestSize), { signal: filled.signal });
    }
    let combined;
    try {
      combined = await session.combineAsFinished(
        spec,
        plan,
        options.onProgress,
        filled.signal,
        (readResult) => combineRanges({ build, spec, plan, hasher: loaded.hasher, lone: profile.lone, sink: writer, readResult }),
        async (result) => {
          const committing = performance.now();
          await writer?.commit(result.root);
          return { ...result, commitSeconds: (performance.now() - committing) / 1000 };
        },
      );
    } catch (error) {
      await writer?.abort();
      throw error;
    }
    await session.removeFlow();
    return {
      ...base, root: combined.root, rootHex: toHex(combined.root, profile.reversedDisplay), size: plan.leafCount, bytes: identity.size, ambiguous: combined.ambiguous,
      seconds: (performance.now() - started) / 1000, build, segments: plan.segmentCount, ranges: plan.rangeCount, rangesDoneBefore, jobStarts: combined.jobStarts, workers: combined.workers, local: false,
      combine: { resultBytes: combined.resultBytes, tailSeconds: combined.tailSeconds, commitSeconds: combined.commitSeconds },
    };
  } finally {
    await session.close();
  }
}

function treeFileMeta(spec: QueuedBuildSpec, plan: RangePlan, digestSize: number): TreeFileMeta {
  const { input } = spec;
  return {
    profile: spec.profile,
    hash: spec.hash,
    digestSize,
    leafMode: 'blocks',
    blockSize: spec.blockSize,
    leafCount: plan.leafCount,
    dataLength: input.size,
    // The same identity a local build of the file records; a URL's bytes have no mtime.
    source: input.kind === 'file' ? { size: input.size, mtimeNs: BigInt(input.mtimeNs) } : undefined,
  };
}

type Combine<T> = (readResult: (range: number) => Promise<unknown>) => Promise<T>;

/** How often a range not yet finished is looked at again, at first and at most. */
const kResultPollMs = [20, 250] as const;

/** What ioredis and the socket say when Redis is gone (rather than refusing a command). */
const kConnectionTrouble = /ECONN|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENOTFOUND|EAI_AGAIN|Connection is closed|max retries per request|Stream isn't writeable/i;

/** The connections of a BullMQ object (not in its types: BullMQ keeps them protected). */
interface Connections {
  readonly connection?: { disconnect(wait: boolean): Promise<void> };
  readonly blockingConnection?: { disconnect(wait: boolean): Promise<void> };
}

/**
 * dropConnections ends a BullMQ object's connections at once, without the QUIT that close()
 * sends: with Redis gone, close() has ioredis reconnect to send it, printing "[ioredis]
 * Unhandled error event" for every failed try, and disconnect() waits for an end that a
 * reconnecting client may never report.
 */
async function dropConnections(holder: unknown): Promise<void> {
  const { connection, blockingConnection } = holder as Connections;
  await Promise.all([connection?.disconnect(false), blockingConnection?.disconnect(false)].map((p) => p?.catch(() => undefined)));
}

/** One build's handles on the queue: its range queue, its combine queue, the flow producer. */
class QueueSession {
  readonly #target: RedisTarget;
  readonly #build: string;
  readonly #ranges: Queue;
  readonly #combine: Queue;
  readonly #flows: FlowProducer;
  #worker: Worker | undefined;
  #attemptsStarted = 0;
  /** The combine job had completed before this run (a rerun after a crash that followed it). */
  #combinedBefore = false;
  /** A command failed for want of Redis: close() then drops the connections. */
  #lost = false;
  /** Settles when more ranges are seen done (readers waiting for results look again then). */
  #moreDone: Promise<void> = new Promise(() => undefined);
  #wake: () => void = () => undefined;

  constructor(target: RedisTarget, queueName: string, build: string) {
    const { Queue, FlowProducer } = bullmq();
    const connection = connectionOptions(target, false);
    this.#target = target;
    this.#build = build;
    this.#ranges = new Queue(queueName, { connection });
    this.#combine = new Queue(combineQueueName(queueName, build), { connection });
    this.#flows = new FlowProducer({ connection });
    // Errors surface through the commands that fail; these only keep them from being unhandled.
    this.#ranges.on('error', () => undefined);
    this.#combine.on('error', () => undefined);
    this.#flows.on('error', () => undefined);
  }

  /**
   * enqueue queues the build's flow unless it is there already (a rerun); a flow that failed
   * before is removed and queued afresh. Resolves to the ranges already finished.
   */
  async enqueue(spec: QueuedBuildSpec, plan: RangePlan, attempts: number): Promise<number> {
    const parentId = combineJobId(this.#build);
    const existing = await this.#call(() => this.#combine.getJob(parentId));
    if (existing) {
      const state = await this.#call(() => existing.getState());
      if (state !== 'failed') return (await this.#call(() => existing.getDependenciesCount({ processed: true }))).processed ?? 0;
      await this.#call(() => existing.remove({ removeChildren: true }));
    }
    const children = Array.from({ length: plan.rangeCount }, (_, range) => ({
      name: 'range',
      queueName: this.#ranges.name,
      data: { build: this.#build, range, spec } satisfies RangeJobData,
      opts: {
        jobId: rangeJobId(this.#build, range),
        attempts,
        backoff: { type: 'exponential', delay: 1000 },
        failParentOnFailure: true,
        removeOnComplete: false,
        removeOnFail: false,
      },
    }));
    await this.#call(() => this.#flows.add({ name: 'combine', queueName: this.#combine.name, data: { build: this.#build }, opts: { jobId: parentId }, children }));
    return 0;
  }

  /**
   * combineAsFinished runs `combine` from now on, handing it each range's result as soon as its
   * job has finished (so the combine overlaps the hashing), and `commit` in the combine job,
   * which BullMQ hands this coordinator once every range job is done: the flow's parent
   * completes only when the tree file is published. Rejects naming the range if a range job
   * failed for good. Reports progress meanwhile.
   */
  async combineAsFinished<T extends { root: Uint8Array }, C>(
    spec: QueuedBuildSpec,
    plan: RangePlan,
    onProgress: QueueBuildOptions['onProgress'],
    signal: AbortSignal | undefined,
    combine: Combine<T>,
    commit: (combined: T) => Promise<C>,
  ): Promise<C & { jobStarts: number; tailSeconds: number }> {
    const parentId = combineJobId(this.#build);
    const stop = new AbortController();
    this.#nudge();
    const readResult = async (range: number): Promise<unknown> => {
      const id = rangeJobId(this.#build, range);
      for (let wait: number = kResultPollMs[0]; ; wait = Math.min(wait * 2, kResultPollMs[1])) {
        stop.signal.throwIfAborted();
        const job = await this.#call(() => this.#ranges.getJob(id));
        if (!job) throw new QueueError('ERR_MERKLE_QUEUE_RESULT', `range ${range} (job ${id}): its job is gone from the queue`);
        if (job.finishedOn !== undefined && job.returnvalue !== null && job.returnvalue !== undefined && (await this.#call(() => job.isCompleted()))) {
          this.#attemptsStarted += job.attemptsStarted ?? 0;
          return job.returnvalue;
        }
        await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), this.#moreDone]);
      }
    };
    const combining = combine(readResult);
    // Whichever way this ends, a combine still waiting must not reject unheard.
    combining.catch(() => undefined);
    const parent = await this.#call(() => this.#combine.getJob(parentId));
    let done: Promise<C & { tailSeconds: number }>;
    if ((await parent?.getState()) === 'completed') {
      // The combine job finished before (its coordinator died before it could clean up): the
      // results are all there, combine and commit again.
      this.#combinedBefore = true;
      const handedOver = performance.now();
      done = combining.then(commit).then((committed) => ({ ...committed, tailSeconds: (performance.now() - handedOver) / 1000 }));
    } else {
      done = new Promise((resolve, reject) => {
        combining.catch(reject);
        const { Worker } = bullmq();
        this.#worker = new Worker(
          this.#combine.name,
          async (job: Job) => {
            if (job.id !== parentId) throw new QueueError('ERR_MERKLE_QUEUE_JOB', `job ${String(job.id)} in ${this.#combine.name} is not this build's combine job`);
            try {
              // Every range is done: no reader need sleep out its poll.
              this.#nudge();
              const handedOver = performance.now();
              const combined = await combining;
              const committed = await commit(combined);
              resolve({ ...committed, tailSeconds: (performance.now() - handedOver) / 1000 });
              return { root: toHex(combined.root) };
            } catch (error) {
              reject(error);
              throw error;
            }
          },
          { connection: connectionOptions(this.#target, true), lockDuration: kCombineLockMs, stalledInterval: kCombineLockMs / 2, maxStalledCount: 3 },
        );
        this.#worker.on('error', () => undefined);
      });
    }
    try {
      const result = await this.#watch(done, spec, plan, onProgress, signal);
      return { ...result, jobStarts: this.#attemptsStarted };
    } finally {
      stop.abort();
    }
  }

  /** #nudge wakes the readers waiting for results. */
  #nudge(): void {
    this.#wake();
    this.#moreDone = new Promise((resolve) => (this.#wake = resolve));
  }

  /** watch reports progress until `done` settles; a failed range or an abort rejects first. */
  async #watch<T>(done: Promise<T>, spec: QueuedBuildSpec, plan: RangePlan, onProgress: QueueBuildOptions['onProgress'], signal: AbortSignal | undefined): Promise<T> {
    let settled = false;
    const finished = done.finally(() => (settled = true));
    const seen = new Set<string>();
    let lastDone = 0;
    const parentId = combineJobId(this.#build);
    let failure: Promise<never> | undefined;
    const aborted = new Promise<never>((_, reject) => {
      if (!signal) return;
      const stop = () => reject(signal.reason);
      if (signal.aborted) stop();
      else signal.addEventListener('abort', stop, { once: true });
    });
    aborted.catch(() => undefined);
    while (!settled) {
      const parent = await this.#call(() => this.#combine.getJob(parentId));
      if (!parent) throw new QueueError('ERR_MERKLE_QUEUE_JOB', `build ${this.#build}: its combine job ${parentId} was removed from the queue`);
      const [state, counts, workers] = await this.#call(() => Promise.all([parent.getState(), parent.getDependenciesCount({ processed: true, unprocessed: true }), this.#ranges.getWorkers()]));
      if (state === 'failed') {
        failure = this.#failureOf(parent, spec, plan);
        break;
      }
      if (state === 'completed' && !settled && !this.#combinedBefore) {
        // Only a second coordinator of the same build, run at the same time, gets here.
        failure = Promise.reject(new QueueError('ERR_MERKLE_QUEUE_JOB', `build ${this.#build}: another coordinator of the same build combined it; run one coordinator per build`));
        break;
      }
      for (const worker of workers) seen.add(workerName(worker));
      const rangesDone = counts.processed ?? 0;
      if (rangesDone > lastDone) this.#nudge();
      lastDone = rangesDone;
      const segmentsDone = Math.min(plan.segmentCount, rangesDone * plan.segmentsPerRange);
      onProgress?.({
        bytesDone: Math.min(spec.input.size, segmentsDone * plan.segmentBytes),
        bytesTotal: spec.input.size,
        segmentsDone,
        segmentsTotal: plan.segmentCount,
        workers: workers.length,
        workersSeen: seen.size,
      });
      await Promise.race([finished.catch(() => undefined), aborted, new Promise((resolve) => setTimeout(resolve, kPollMs))]);
    }
    return Promise.race([failure ?? finished, aborted]);
  }

  /**
   * The reason a build's flow failed: the failed range and why, as its worker said. BullMQ
   * fails the parent with "child KEY failed"; the child keeps its own reason.
   */
  async #failureOf(parent: Job, spec: QueuedBuildSpec, plan: RangePlan): Promise<never> {
    // The job read in the same poll as its state may predate the failure: read it again.
    const failed = (await this.#call(() => this.#combine.getJob(parent.id!))) ?? parent;
    const parentReason = failed.failedReason ?? '';
    const id = /child \S*:([^:\s]+) failed/.exec(parentReason)?.[1] ?? '';
    const range = Number(/-r(\d+)$/.exec(id)?.[1]);
    let what = `the combine job`;
    let reason = parentReason || 'no reason given';
    if (Number.isSafeInteger(range) && range < plan.rangeCount) {
      const span = rangeSpan(spec, plan, range);
      what = `range ${range} (job ${id}, bytes ${span.byteOffset}–${span.byteOffset + span.byteLength} of ${describeInput(spec.input)})`;
      const child = await this.#call(() => this.#ranges.getJob(id));
      reason = child?.failedReason ?? reason;
    }
    throw new QueueError('ERR_MERKLE_QUEUE_JOB', `build ${this.#build}: ${what} failed: ${reason}; the build was not combined`);
  }

  /** removeFlow deletes the finished build's jobs: its results are in the tree now. */
  async removeFlow(): Promise<void> {
    await this.#worker?.close();
    this.#worker = undefined;
    const parent = await this.#call(() => this.#combine.getJob(combineJobId(this.#build)));
    await this.#call(async () => parent?.remove({ removeChildren: true }));
    await this.#call(() => this.#combine.obliterate({ force: true }));
  }

  async close(): Promise<void> {
    if (this.#lost) {
      // Dropped first, so that close() (which stops the worker's loop and timers) finds them
      // ended and sends nothing.
      await Promise.all([this.#worker, this.#ranges, this.#combine, this.#flows].map((holder) => holder && dropConnections(holder)));
    }
    await this.#worker?.close(true).catch(() => undefined);
    await Promise.all([this.#ranges.close(), this.#combine.close(), this.#flows.close()].map((p) => p.catch(() => undefined)));
  }

  /** #call runs a Redis command; a lost connection becomes a QueueError naming the URL. */
  async #call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (error) {
      if (error instanceof QueueError || error instanceof InputError) throw error;
      const message = (error as Error).message;
      if (kConnectionTrouble.test(message) || kConnectionTrouble.test(String((error as NodeJS.ErrnoException).code))) {
        this.#lost = true;
        throw new QueueError('ERR_MERKLE_QUEUE_UNREACHABLE', `${this.#target.display}: lost Redis (${message})`, { cause: error });
      }
      throw new QueueError('ERR_MERKLE_QUEUE_JOB', `build ${this.#build}: a queue command failed (${message})`, { cause: error });
    }
  }
}
