/**
 * The parallel file builder. The file is cut into segments of 2^k blocks; pool workers hash
 * whole segments, each mapping (or reading) its own byte range; results may arrive in any
 * order. This thread hashes segments too (one per turn of the event loop), beside a pool of
 * threads − 1 workers; with one thread there is no pool. The main thread writes each
 * segment's levels at their final places, keeps the segment roots (the tree's level k: 32
 * bytes per segment, so 1 MiB per TiB at 32 MiB segments), and builds the levels above them
 * at the end.
 *
 * Segments are 8 to 32 MiB by default (fileSegmentBytes). At most 4 segments per worker are
 * in flight (each a mapping while it is hashed, and a few KiB of levels after), so memory is
 * bounded by threads × segment size whatever the file size.
 */
import { DataChangedError, errorFromThread, InputError, MerkleError, SegmentError } from '../errors.js';
import type { MappingChoice } from '../io/mapped-file.js';
import type { ReadOnlyFile } from '../io/read-only-file.js';
import { createTaskPool, type TaskPool } from '../pool/pool.js';
import { hashFileSegment, type FileRange } from './file-segment.js';
import { taskHasher } from './segment-hash.js';
import { kSegmentWorkerFile, type SegmentTask } from './segment-task.js';
import { planSegments, segmentLevelForBytes } from '../tree/segments.js';
import { openForReading, treeFromFile, type SourceIdentity } from './file.js';
import { writeLevels, type LevelSink } from './level-sink.js';
import { SegmentAssembler, type SegmentedBuild } from './segment-assembly.js';

export interface ParallelFileBuild extends Omit<SegmentedBuild, 'segmentLevel'> {
  readonly path: string;
  /** log2 of the blocks per segment; undefined: chosen by the file's size (fileSegmentBytes). */
  readonly segmentLevel: number | undefined;
  /** Makes the sink once the file's size is known; none = keep only the root. */
  readonly createSink?: (tree: { leafCount: number; dataLength: number; source: SourceIdentity }) => Promise<LevelSink | undefined>;
  readonly signal?: AbortSignal;
  /** Map, read, or choose window by window (io/mapped-file.ts). */
  readonly mmap: MappingChoice;
}

export interface ParallelFileResult {
  readonly root: Uint8Array;
  readonly size: number;
  readonly bytes: number;
  readonly source: SourceIdentity;
  readonly ambiguous: boolean;
  /** Threads that hashed (1 when the file fit one segment and was hashed in-thread). */
  readonly threads: number;
}


/** Segments a worker holds at once while the calling thread hashes too (see below). */
const kTasksPerWorker = 4;

const MiB = 1024 * 1024;
const kMinFileSegmentBytes = 8 * MiB;
const kMaxFileSegmentBytes = 32 * MiB;
const kFileSegmentsPerThread = 16;

/**
 * fileSegmentBytes is the default segment size for a file of `fileBytes` hashed by `threads`
 * threads: the largest power of two from 8 to 32 MiB that still gives every thread at least 16
 * segments.
 *
 * Why larger than the streams' 8 MiB: each segment costs a task round trip, a mapping and an
 * unmapping (whose TLB shootdown interrupts the other hashing threads). 1 GiB page-cached,
 * 2 threads, medians of 7 in turn, 8 → 16 → 32 MiB: SHA-256 0.173 → 0.165 → 0.161 s, b3tree
 * 0.115 → 0.106 → 0.103 s; one thread gains 1 %. Why not larger: with fewer segments a thread
 * waits longer for the other at the end, and at 64 MiB (8 segments per thread) the same builds
 * took 0.210 and 0.150 s.
 */
export function fileSegmentBytes(fileBytes: number, threads: number): number {
  let bytes = kMinFileSegmentBytes;
  while (bytes < kMaxFileSegmentBytes && bytes * 2 * threads * kFileSegmentsPerThread <= fileBytes) bytes *= 2;
  return bytes;
}

export async function treeFromFileParallel(build: ParallelFileBuild): Promise<ParallelFileResult> {
  const { path } = build;
  // Opened once for the whole build; every hashing thread reads through this descriptor.
  const file = await openForReading(path);
  try {
    return await buildOpenFile(build, file);
  } finally {
    await file.close();
  }
}

async function buildOpenFile(build: ParallelFileBuild, file: ReadOnlyFile): Promise<ParallelFileResult> {
  const { path, blockSize, hasher, profile, signal } = build;
  const before = await file.stat();
  if (!before.isFile()) throw new InputError(`${path}: not a regular file`);
  const fileSize = Number(before.size);
  const size = Math.ceil(fileSize / blockSize);
  const segmentLevel = build.segmentLevel ?? segmentLevelForBytes(blockSize, fileSegmentBytes(fileSize, build.threads));
  const plan = planSegments(Math.max(size, 1), segmentLevel);
  const sink = await build.createSink?.({ leafCount: size, dataLength: fileSize, source: { size: fileSize, mtimeNs: before.mtimeNs } });

  if (size <= plan.segmentLeaves) {
    // One segment or less: a worker would only add start-up time.
    const { tree, bytes, source } = await treeFromFile(path, blockSize, hasher, profile.lone, signal);
    if (sink) await writeLevels(sink, tree.levels);
    build.onProgress?.({ bytesDone: bytes, bytesTotal: bytes });
    return { root: tree.root, size: tree.size, bytes, source, ambiguous: tree.ambiguous, threads: 1 };
  }

  const k = plan.segmentLevel;
  const assembler = new SegmentAssembler(hasher, profile.lone, k, sink);
  let bytesDone = 0;
  await hashFileSegments({ ...build, file, fileSize, segmentLevel: k, firstSegment: 0, segmentCount: plan.segmentCount },
    // Without a sink only the segment roots are kept; the last segment still sends every
    // level, whose ends tell whether the tree is ambiguous (CVE-2012-2459).
    (index) => sink !== undefined || index === plan.segmentCount - 1,
    async (index, levels, leafCount, byteLength, full) => {
      if (!full) assembler.acceptTop(index, levels);
      else await assembler.accept(index, leafCount, levels, index === plan.segmentCount - 1);
      bytesDone += byteLength;
      build.onProgress?.({ bytesDone, bytesTotal: fileSize });
    });

  const after = await file.stat();
  if (after.size !== before.size || after.mtimeNs !== before.mtimeNs) {
    throw new DataChangedError(`${path}: data changed during build (size ${before.size} → ${after.size}, mtime changed: ${after.mtimeNs !== before.mtimeNs})`);
  }
  const { root, ambiguous } = await assembler.finish(plan.segmentCount);
  return {
    root,
    size,
    bytes: fileSize,
    source: { size: fileSize, mtimeNs: before.mtimeNs },
    ambiguous,
    threads: build.threads,
  };
}

/** A run of consecutive segments of an open file to hash (a whole build, or one queued range: src/distributed/). */
export interface FileSegmentRun extends Omit<SegmentedBuild, 'segmentLevel' | 'hasher' | 'onProgress'> {
  readonly path: string;
  /** The file, opened once; every hashing thread reads through its descriptor. */
  readonly file: ReadOnlyFile;
  readonly fileSize: number;
  readonly segmentLevel: number;
  readonly firstSegment: number;
  readonly segmentCount: number;
  readonly mmap: MappingChoice;
  readonly signal?: AbortSignal;
}

/**
 * hashFileSegments hashes segments firstSegment … firstSegment + segmentCount − 1 of `run.file`
 * on `run.threads` threads (this one and a pool of threads − 1), handing each segment's levels
 * to `accept` as they arrive, in any order: all levels 0..k when `fullLevels(index)`, else its
 * root alone. The first failure stops new segments and is what rejects.
 */
export async function hashFileSegments(
  run: FileSegmentRun,
  fullLevels: (index: number) => boolean,
  accept: (index: number, levels: Uint8Array, leafCount: number, byteLength: number, full: boolean) => Promise<void>,
): Promise<void> {
  const { path, file, fileSize, blockSize, segmentLevel: k } = run;
  const segmentBytes = 2 ** k * blockSize;
  const jobFor = (i: number): SegmentJob => {
    const index = run.firstSegment + i;
    const byteOffset = index * segmentBytes;
    const byteLength = Math.min(segmentBytes, fileSize - byteOffset);
    const task: SegmentTask = {
      source: { path, fd: file.fd, byteOffset, byteLength, mmap: run.mmap },
      profile: run.profile.name,
      hash: run.hash,
      backend: run.backend,
      blockSize,
      segmentIndex: index,
      firstLeaf: index * 2 ** k,
      topLevel: k,
      topOnly: !fullLevels(index),
    };
    return { task, byteOffset, byteLength };
  };
  const acceptJob = ({ task, byteLength }: SegmentJob, levels: Uint8Array): Promise<void> =>
    accept(task.segmentIndex, levels, Math.ceil(byteLength / blockSize), byteLength, !task.topOnly);

  // This thread is one of the hashing threads: a worker costs tens of milliseconds of CPU to
  // start (a Node environment, then its modules), a third of a 1 GiB build on two cores, and
  // this thread would otherwise only wait. So `threads` hashing threads are this one and a pool
  // of threads − 1 workers, created without waiting for it. An injected worker (fault tests)
  // defines the hashing, so then a pool of `threads` does it all.
  const injected = run.workerFile !== undefined;
  const workers = injected ? run.threads : run.threads - 1;
  // Four tasks per worker while this thread hashes too: the next ones are then already queued
  // in the worker when this thread is busy hashing and cannot hand any over (with two, a worker
  // ran dry: 1 GiB, 2 threads, 0.219–0.235 s against 0.206–0.218 s with four, alternating). A
  // worker that dies fails all its tasks; the error names the first to be reported.
  const tasksPerWorker = injected ? 1 : kTasksPerWorker;
  const pool = workers > 0 ? createTaskPool<SegmentTask, Uint8Array>(workers, run.workerFile ?? kSegmentWorkerFile, { tasksPerWorker, shared: !injected }) : undefined;
  const inThread = injected ? undefined : async (task: SegmentTask) => hashFileSegment(task, task.source as FileRange, await taskHasher(task));
  try {
    await runWindowed(pool, run.segmentCount, Math.max(2, tasksPerWorker) * workers, jobFor, acceptJob, run.signal, inThread);
  } finally {
    // A pool that failed to start has nothing to release; runWindowed rejected with why.
    await (await pool?.catch(() => undefined))?.release();
  }
}

/** The file builder's pool: a task is one file segment, the answer its levels. */
type SegmentPool = TaskPool<SegmentTask, Uint8Array>;

/** A segment task with the byte range it covers, for progress and error messages. */
interface SegmentJob {
  readonly task: SegmentTask;
  readonly byteOffset: number;
  readonly byteLength: number;
}

/**
 * runWindowed runs tasks 0..count-1 with at most `window` in flight in the pool (if any), and
 * in this thread through `inThread` (if given), one segment per turn of the event loop,
 * handing each result to `accept` as it arrives. The first failure or an abort stops new
 * tasks and is what rejects. Running tasks are left to finish (at most `window` segments):
 * cancelling a task inside a piscina worker races with its reply, and a segment takes
 * milliseconds.
 */
async function runWindowed(
  starting: Promise<SegmentPool> | undefined,
  count: number,
  window: number,
  jobFor: (index: number) => SegmentJob,
  accept: (job: SegmentJob, levels: Uint8Array) => Promise<void>,
  signal: AbortSignal | undefined,
  inThread?: (task: SegmentTask) => Promise<Uint8Array>,
): Promise<void> {
  let next = 0;
  let inPool = 0; // segments handed to the pool and not yet back
  let failure: unknown;
  const fail = (job: SegmentJob, thrown: unknown): void => {
    if (failure !== undefined) return;
    const error = errorFromThread(thrown);
    failure = signal?.aborted
      ? signal.reason
      : error instanceof MerkleError
        ? error
        : new SegmentError(job.task.segmentIndex, job.byteOffset, job.byteOffset + job.byteLength, error);
  };
  const more = (): boolean => next < count && failure === undefined && !signal?.aborted;
  const runInPool = async (): Promise<void> => {
    let pool: SegmentPool;
    try {
      pool = (await starting)!;
    } catch (error) {
      // The pool could not start: stop this thread's hashing too, and reject with why.
      failure ??= error;
      return;
    }
    while (more()) {
      // Segments queued in a worker cannot be taken back, so at the end of a build this thread
      // would wait while a worker works through its queue. While this thread hashes too, the
      // pool holds no more segments than are still unassigned, and both finish together.
      if (inThread && inPool >= count - next) break;
      const job = jobFor(next++);
      inPool++;
      try {
        const levels = await pool.run(job.task).finally(() => inPool--);
        await accept(job, levels);
      } catch (error) {
        fail(job, error);
      }
    }
  };
  const runInThread = async (): Promise<void> => {
    while (inThread && more()) {
      const job = jobFor(next++);
      try {
        await accept(job, await inThread(job.task));
      } catch (error) {
        fail(job, error);
      }
      // Hashing blocks this thread: let worker replies, I/O and aborts in between segments.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const poolRunners = starting ? Math.min(window, count) : 0;
  await Promise.all([runInThread(), ...Array.from({ length: poolRunners }, runInPool)]);
  if (failure !== undefined) throw failure;
  signal?.throwIfAborted();
}
