/**
 * Pool worker entry (runs in a worker thread; compiled to dist/pool/worker.js, which is what
 * piscina loads). Each task hashes one segment. For a file the worker reads the segment's bytes
 * itself with positioned reads into a buffer it reuses, so file data never crosses threads;
 * a stream's segment arrives transferred. Only the segment's levels travel back, transferred.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Piscina } from 'piscina';
import { loadTreeHasher, type LoadedTreeHasher } from '../hash/load.js';
import { kProfiles } from '../tree/profile.js';
import { hashSegment } from './segment-hash.js';
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

function readSegment(source: SegmentTask['source']): Uint8Array {
  if ('data' in source) return source.data;
  const { path, byteOffset, byteLength } = source;
  if (buffer.length < byteLength) buffer = new Uint8Array(byteLength);
  const fd = fileDescriptor(path);
  let done = 0;
  while (done < byteLength) {
    const n = readSync(fd, buffer, done, byteLength - done, byteOffset + done);
    if (n === 0) {
      throw new Error(`${path}: data changed during build (file ended at byte ${byteOffset + done}, expected ${byteOffset + byteLength})`);
    }
    done += n;
  }
  return buffer.subarray(0, byteLength);
}

/** Hashes one segment; resolves to its levels 0..topLevel back to back (moved, not copied). */
export default async function hashSegmentTask(task: SegmentTask): Promise<Uint8Array> {
  const key = `${task.profile}/${task.hash}/${task.backend}`;
  let loaded = hashers.get(key);
  if (!loaded) {
    loaded = loadTreeHasher(kProfiles[task.profile], task.hash, task.backend);
    hashers.set(key, loaded);
  }
  const { hasher } = await loaded;
  const data = readSegment(task.source);
  const levels = hashSegment(data, task.blockSize, task.firstLeaf, task.topLevel, hasher, kProfiles[task.profile].lone);
  return Piscina.move(levels) as Uint8Array;
}
