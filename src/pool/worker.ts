/**
 * Worker module (runs in a worker thread; compiled to dist/pool/worker.js, which piscina loads
 * for file segments and segment-worker-entry.js for stream segments). Each task hashes one
 * segment. For a file the worker reads the segment's bytes
 * itself with positioned reads into a buffer it reuses, so file data never crosses threads;
 * a stream's segment arrives in a SharedArrayBuffer. Only the segment's levels travel back.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Piscina } from 'piscina';
import { loadTreeHasher, type LoadedTreeHasher } from '../hash/load.js';
import { kProfiles } from '../tree/profile.js';
import type { TreeHasher } from '../tree/hasher.js';
import { hashSegment, hashSegmentWith } from './segment-hash.js';
import type { SegmentTask } from './task.js';

const hashers = new Map<string, Promise<LoadedTreeHasher>>();
let openFile: { path: string; fd: number } | undefined;
let buffer = new Uint8Array(0);

function fileDescriptor(path: string): number {
  if (openFile?.path !== path) {
    if (openFile) closeSync(openFile.fd);
    openFile = { path, fd: openSync(path, 'r') };
  }
  return openFile.fd;
}

/**
 * Bytes read and hashed per step of a file segment: a few blocks that stay in the core's L2
 * cache between the read that copies them and the hash that reads them (measured on Zen 4,
 * 1 GiB page-cached: the read's cost halves from 8 MiB steps to 256 KiB ones) — but at least
 * kStepBlocks blocks, so multi-message kernels (SHA-NI ×4) still get a full set of lanes.
 */
const kStepBytes = 256 * 1024;
const kStepBlocks = 4;

/** hashFileSegment reads a file segment in cache-sized steps, hashing each step's leaves as it goes. */
function hashFileSegment(task: SegmentTask, source: { path: string; byteOffset: number; byteLength: number }, hasher: TreeHasher): Uint8Array {
  const { blockSize } = task;
  const { path, byteOffset, byteLength } = source;
  const d = hasher.digestSize;
  const stepBytes = Math.max(kStepBlocks * blockSize, kStepBytes - (kStepBytes % blockSize));
  if (buffer.length < stepBytes) buffer = new Uint8Array(stepBytes);
  const fd = fileDescriptor(path);
  const leafCount = Math.ceil(byteLength / blockSize);
  return hashSegmentWith(leafCount, task.topLevel, hasher, kProfiles[task.profile].lone, (level0) => {
    for (let done = 0; done < byteLength; ) {
      const want = Math.min(stepBytes, byteLength - done);
      readFully(fd, buffer.subarray(0, want), byteOffset + done, path);
      const leaf = done / blockSize;
      const leaves = Math.ceil(want / blockSize);
      hasher.leavesFromBlocks(buffer.subarray(0, want), blockSize, task.firstLeaf + leaf, level0.subarray(leaf * d, (leaf + leaves) * d));
      done += want;
    }
  });
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new Error(`${path}: data changed during build (file ended at byte ${position + done}, expected ${position + into.length})`);
    done += n;
  }
}

/**
 * Hashes one segment; resolves to its levels 0..topLevel back to back (moved, not copied), or,
 * for a stream segment, to their length once written into the segment's shared buffer.
 */
export default async function hashSegmentTask(task: SegmentTask): Promise<Uint8Array | number> {
  const key = `${task.profile}/${task.hash}/${task.backend}`;
  let loaded = hashers.get(key);
  if (!loaded) {
    loaded = loadTreeHasher(kProfiles[task.profile], task.hash, task.backend);
    hashers.set(key, loaded);
  }
  const { hasher } = await loaded;
  const { source } = task;
  if ('data' in source) {
    const levels = hashSegment(source.data, task.blockSize, task.firstLeaf, task.topLevel, hasher, kProfiles[task.profile].lone);
    // A stream segment sits in a SharedArrayBuffer the main thread reuses: its bytes are
    // hashed, so the levels go back in its first bytes and only their length is posted.
    const shared = source.data.buffer;
    if (levels.length > shared.byteLength) return levels; // segment-worker-entry.ts moves it
    new Uint8Array(shared, 0, levels.length).set(levels);
    return levels.length;
  }
  const levels = hashFileSegment(task, source, hasher);
  return Piscina.move(levels) as Uint8Array;
}
