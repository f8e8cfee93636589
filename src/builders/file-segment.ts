/**
 * Hashing one segment of a file where it lies, in the thread that runs the task (a pool worker,
 * or the calling thread, which hashes too): from a memory mapping of its bytes or, where
 * mapping is off or impossible, with positioned reads into a buffer the thread reuses. The
 * build opens the file once and every thread uses that descriptor; file data never crosses
 * threads.
 */
import { readSync } from 'node:fs';
import { DataChangedError } from '../errors.js';
import { fileMapper, type FileMapper } from '../io/mapped-file.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles } from '../tree/profile.js';
import { hashSegmentWith } from './segment-hash.js';
import type { SegmentSource, SegmentTask } from './segment-task.js';

export type FileRange = Extract<SegmentSource, { path: string }>;

let buffer = new Uint8Array(0);

/**
 * Bytes read and hashed per step of a file segment read without a mapping: a few blocks that
 * stay in the core's L2 cache between the read that copies them and the hash that reads them (measured on Zen 4,
 * 1 GiB page-cached: the read's cost halves from 8 MiB steps to 256 KiB ones) — but at least
 * kStepBlocks blocks, so multi-message kernels (SHA-NI ×4) still get a full set of lanes.
 */
const kStepBytes = 256 * 1024;
const kStepBlocks = 4;

/** hashFileSegment returns the levels of a file segment, its leaves hashed, window by window, from mappings or by reading. */
export function hashFileSegment(task: SegmentTask, source: FileRange, hasher: TreeHasher): Uint8Array {
  const { blockSize } = task;
  const leafCount = Math.ceil(source.byteLength / blockSize);
  const mapper = source.mmap === false ? undefined : fileMapper();
  return hashSegmentWith(leafCount, task.topLevel, hasher, kProfiles[task.profile].lone, (level0) => {
    const windowBytes = Math.max(blockSize, kMapWindowBytes - (kMapWindowBytes % blockSize));
    for (let done = 0; done < source.byteLength; done += windowBytes) {
      let window: Window = { begin: done, end: Math.min(done + windowBytes, source.byteLength) };
      if (source.mmap === 'auto' && readNsPerPage === undefined) {
        // What reading costs, once per thread: the window's first step is read, and timed.
        const first = { begin: window.begin, end: Math.min(window.begin + readStepBytes(blockSize), window.end) };
        hashReadLeaves(task, source, first, hasher, level0);
        window = { begin: first.end, end: window.end };
        if (window.begin === window.end) continue;
      }
      const limit = source.mmap === 'auto' ? readNsPerPage! * kMapBelowReadCost : undefined;
      const probe = limit === undefined || probesAgain(source);
      const mapped = probe && mapper && !('unavailable' in mapper) && hashMappedLeaves(mapper, task, source, window, hasher, level0, limit);
      if (!mapped) hashReadLeaves(task, source, window, hasher, level0);
      if (!mapped && probe && limit !== undefined) readWithoutProbing = { fd: source.fd, path: source.path, windows: kReadWindowsAfterProbe };
    }
  }, task.topOnly);
}

/**
 * In 'auto', a window is mapped when the first use of a mapped page costs less than this
 * fraction of what reading a page costs this thread: mapping also fills and clears page tables
 * (on 4 KiB folios about as much again as the first uses here; on huge pages almost nothing).
 * Measured on the two cases this separates, first use against reading, ns per 4 KiB page:
 * a file written in small writes ~1,300 against ~250; a file in huge pages ~0–20 against ~250.
 */
const kMapBelowReadCost = 0.5;

/**
 * A probe whose window is then read costs ~0.3 ms of that window's ~9 ms here (two faults and
 * an unmapping, on 4 KiB folios), so after one finds reading cheaper this thread reads its next
 * few windows of that file without probing. A file is mostly in one state; this bounds how
 * long a change of state along it (a later part in huge pages) goes unnoticed.
 */
const kReadWindowsAfterProbe = 3;
let readWithoutProbing = { fd: -1, path: '', windows: 0 };

/** probesAgain: whether this thread probes its next window of `source`, or reads it as it read the last one. */
function probesAgain(source: FileRange): boolean {
  const last = readWithoutProbing;
  if (last.windows === 0 || last.fd !== source.fd || last.path !== source.path) return true;
  last.windows--;
  return false;
}

/**
 * This thread's cost of reading a page-cached 4 KiB page, in ns (undefined until it has read):
 * a moving average of each read window's fastest step, so that a step that waited for the
 * disk or was preempted does not raise it.
 */
let readNsPerPage: number | undefined;
const kReadCostWeight = 0.25;

function noteReadCost(nsPerPage: number): void {
  readNsPerPage = readNsPerPage === undefined ? nsPerPage : readNsPerPage + kReadCostWeight * (nsPerPage - readNsPerPage);
}

/**
 * Bytes mapped at a time: a default segment is one mapping (one addon call), and a huge
 * --segment-size does not map gigabytes per thread.
 */
const kMapWindowBytes = 64 * 1024 * 1024;

/** Bytes [begin, end) of a segment, relative to its start; begin is a multiple of the block size. */
interface Window {
  readonly begin: number;
  readonly end: number;
}

/**
 * hashMappedLeaves hashes a window's leaves straight from the page cache; false if the window
 * cannot be mapped (e.g. a file system without mmap) or, given firstTouchLimitNs, would cost
 * more mapped than read: the caller then reads it.
 */
function hashMappedLeaves(mapper: FileMapper, task: SegmentTask, source: FileRange, window: Window, hasher: TreeHasher, level0: Uint8Array, firstTouchLimitNs: number | undefined): boolean {
  const { path, byteOffset } = source;
  const begin = byteOffset + window.begin;
  const end = byteOffset + window.end;
  let view: Uint8Array | undefined;
  try {
    view = mapper.map(source.fd, begin, end - begin, firstTouchLimitNs);
  } catch {
    return false;
  }
  if (view === undefined) return false;
  let intact = false;
  try {
    hashWindowLeaves(task, window.begin, view, hasher, level0);
  } finally {
    intact = mapper.unmap(view);
  }
  if (!intact) throw new DataChangedError(`${path}: data changed during build (the file ended inside bytes ${begin}–${end} while they were hashed)`);
  return true;
}

function readStepBytes(blockSize: number): number {
  return Math.max(kStepBlocks * blockSize, kStepBytes - (kStepBytes % blockSize));
}

/** hashReadLeaves reads a window in cache-sized steps with positioned reads, hashing each step's leaves as it goes; the reads are timed (noteReadCost). */
function hashReadLeaves(task: SegmentTask, source: FileRange, window: Window, hasher: TreeHasher, level0: Uint8Array): void {
  const stepBytes = readStepBytes(task.blockSize);
  if (buffer.length < stepBytes) buffer = new Uint8Array(stepBytes);
  let fastest = Infinity;
  for (let done = window.begin; done < window.end; done += stepBytes) {
    const step = buffer.subarray(0, Math.min(stepBytes, window.end - done));
    const start = process.hrtime.bigint();
    readFully(source.fd, step, source.byteOffset + done, source.path);
    fastest = Math.min(fastest, (Number(process.hrtime.bigint() - start) / step.length) * 4096);
    hashWindowLeaves(task, done, step, hasher, level0);
  }
  noteReadCost(fastest);
}

/** hashWindowLeaves hashes `bytes`, which start `at` bytes into the segment, into their places in level 0. */
function hashWindowLeaves(task: SegmentTask, at: number, bytes: Uint8Array, hasher: TreeHasher, level0: Uint8Array): void {
  const d = hasher.digestSize;
  const leaf = at / task.blockSize;
  const leaves = Math.ceil(bytes.length / task.blockSize);
  hasher.leavesFromBlocks(bytes, task.blockSize, task.firstLeaf + leaf, level0.subarray(leaf * d, (leaf + leaves) * d));
}

function readFully(fd: number, into: Uint8Array, position: number, path: string): void {
  for (let done = 0; done < into.length; ) {
    const n = readSync(fd, into, done, into.length - done, position + done);
    if (n === 0) throw new DataChangedError(`${path}: data changed during build (file ended at byte ${position + done}, expected ${position + into.length})`);
    done += n;
  }
}

