/**
 * Pool worker entry (runs in a worker thread; compiled to dist/pool/worker.js, which is what
 * piscina loads). Each task hashes one segment. A file segment is read (or mapped) by the
 * worker itself (file-segment.ts), so file data never crosses threads; a stream's segment
 * arrives transferred. Only the segment's levels travel back, transferred.
 */
import { kProfiles } from '../tree/profile.js';
import { hashFileSegment } from './file-segment.js';
import { hashSegment, taskHasher } from './segment-hash.js';
import type { SegmentTask } from './task.js';

/**
 * piscina's `move`, loaded on the first stream segment: importing piscina costs a worker about
 * as much start-up time as Node's own bootstrap, and file segments have no buffer to move
 * (their levels are a few KiB, copied back).
 */
let move: ((value: Uint8Array) => unknown) | undefined;

/** Hashes one segment; resolves to its levels 0..topLevel back to back (a stream's in its own buffer, moved).*/
export default async function hashSegmentTask(task: SegmentTask): Promise<Uint8Array> {
  const hasher = await taskHasher(task);
  const { source } = task;
  if ('data' in source) {
    move ??= (await import('piscina')).Piscina.move as (value: Uint8Array) => unknown;
    const levels = hashSegment(source.data, task.blockSize, task.firstLeaf, task.topLevel, hasher, kProfiles[task.profile].lone);
    // Send the levels back in the segment's own buffer, so the main thread can reuse it for
    // the next segment: a stream then cycles a fixed set of buffers instead of allocating
    // (and leaving to the garbage collector) one per segment.
    const carrier = new Uint8Array(source.data.buffer, 0, levels.length);
    if (levels.length > source.data.buffer.byteLength) return move(levels) as Uint8Array;
    carrier.set(levels);
    return move(carrier) as Uint8Array;
  }
  return hashFileSegment(task, source, hasher);
}
