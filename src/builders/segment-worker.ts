/**
 * Segment worker module (runs in a worker thread; compiled to dist/builders/segment-worker.js
 * and bundled into dist/builders/segment-worker.cjs, which piscina loads for file segments and
 * pool/task-worker-entry.js for
 * stream segments). Each task hashes one segment. A file segment is mapped (or read) by the
 * thread itself through the build's open descriptor (file-segment.ts), so file data never
 * crosses threads; a stream's segment arrives in a SharedArrayBuffer. Only the segment's
 * levels travel back. This module does not import piscina: that would cost each worker about
 * as much start-up time as Node's own bootstrap.
 */
import { errorForThread } from '../errors.js';
import { kProfiles } from '../tree/profile.js';
import { hashFileSegment } from './file-segment.js';
import { hashSegment, taskHasher } from './segment-hash.js';
import type { SegmentTask } from './segment-task.js';

/**
 * Hashes one segment; resolves to its levels 0..topLevel back to back (a file segment's are a
 * few KiB, copied back), or, for a stream segment, to their length once written into the
 * segment's shared buffer.
 */
export default async function hashSegmentTask(task: SegmentTask): Promise<Uint8Array | number> {
  try {
    return await hashOneSegment(task);
  } catch (error) {
    throw errorForThread(error);
  }
}

async function hashOneSegment(task: SegmentTask): Promise<Uint8Array | number> {
  const hasher = await taskHasher(task);
  const { source } = task;
  if ('data' in source) {
    const levels = hashSegment(source.data, task.blockSize, task.firstLeaf, task.topLevel, hasher, kProfiles[task.profile].lone);
    // A stream segment sits in a SharedArrayBuffer the main thread reuses: its bytes are
    // hashed, so the levels go back in its first bytes and only their length is posted.
    const shared = source.data.buffer;
    if (levels.length > shared.byteLength) return levels; // pool/task-worker-entry.ts moves it
    new Uint8Array(shared, 0, levels.length).set(levels);
    return levels.length;
  }
  // piscina starts every task queued in this worker in one run of microtasks, and a reply is
  // posted only a few microtask hops after its task's hashing ends: with four file segments
  // queued, all four were hashed before the first reply went out. The main thread then saw
  // results in bursts, refilled late, and the worker sat idle between bursts (1 GiB, 2 threads:
  // both threads busy 93–96 % of the build). A turn of the event loop before each segment lets
  // every reply go out as soon as its segment is hashed.
  await new Promise((resolve) => setImmediate(resolve));
  return hashFileSegment(task, source, hasher);
}
