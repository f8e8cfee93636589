/**
 * Pool worker entry (runs in a worker thread; compiled to dist/pool/worker.js, which is what
 * piscina loads). Each task hashes one segment. A file segment is read (or mapped) by the
 * worker itself (file-segment.ts), so file data never crosses threads; a stream's segment
 * arrives transferred. Only the segment's levels travel back, transferred.
 */
import { Piscina } from 'piscina';
import { kProfiles } from '../tree/profile.js';
import { hashFileSegment } from './file-segment.js';
import { hashSegment, taskHasher } from './segment-hash.js';
import type { SegmentTask } from './task.js';

/** Hashes one segment; resolves to its levels 0..topLevel back to back (moved, not copied). */
export default async function hashSegmentTask(task: SegmentTask): Promise<Uint8Array> {
  const hasher = await taskHasher(task);
  const { source } = task;
  if ('data' in source) {
    const levels = hashSegment(source.data, task.blockSize, task.firstLeaf, task.topLevel, hasher, kProfiles[task.profile].lone);
    // Send the levels back in the segment's own buffer, so the main thread can reuse it for
    // the next segment: a stream then cycles a fixed set of buffers instead of allocating
    // (and leaving to the garbage collector) one per segment.
    const carrier = new Uint8Array(source.data.buffer, 0, levels.length);
    if (levels.length > source.data.buffer.byteLength) return Piscina.move(levels) as Uint8Array;
    carrier.set(levels);
    return Piscina.move(carrier) as Uint8Array;
  }
  const levels = hashFileSegment(task, source, hasher);
  return Piscina.move(levels) as Uint8Array;
}
