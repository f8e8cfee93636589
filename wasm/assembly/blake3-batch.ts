// BLAKE3 batch drivers. Every entry point turns its messages into chunk jobs, hashes all jobs
// four at a time (SIMD build) or one at a time (scalar build), then merges chaining values
// level by level. Merging a level pairs neighbours and carries a lone last CV up unchanged,
// which builds exactly BLAKE3's left-balanced tree (the left subtree of n chunks holds the
// largest power of two below n).
import { CHAINING_VALUES, INPUT, MESSAGE_FIRST_CV, OUTPUT, ROOT_MESSAGE, ROOT_OUTPUTS, ROOT_PAIRS } from './layout';
import { CHUNK_LEN, ROOT, setJob } from './blake3-common';
import { blake3ChunkJob, blake3Parent } from './blake3-scalar';
import { blake3ChunkJobs4, blake3Parents4 } from './blake3-simd';
import { listBlocks, listSpans, messageLength, messagePtr } from './messages';

function runChunkJobs(count: i32): void {
  let job = 0;
  if (ASC_FEATURE_SIMD) {
    for (; job + 1 < count; job += 4) blake3ChunkJobs4(job, min(4, count - job));
  }
  for (; job < count; job++) blake3ChunkJob(job);
}

/** parents writes the `count` parent outputs of the CV pairs at `pairs` to `out` (which may equal `pairs`). */
function parents(pairs: usize, count: i32, flags: u32, out: usize): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 1 < count; i += 4) blake3Parents4(pairs + (<usize>i << 6), min(4, count - i), flags, out + (<usize>i << 5));
  }
  for (; i < count; i++) blake3Parent(pairs + (<usize>i << 6), flags, out + (<usize>i << 5));
}

/** mergeLevel replaces the `count` CVs at `cvs` by their parents (a lone last CV moves up) and returns how many remain. */
function mergeLevel(cvs: usize, count: i32): i32 {
  const pairs = count >> 1;
  parents(cvs, pairs, 0, cvs);
  if (count & 1) memory.copy(cvs + (<usize>pairs << 5), cvs + (<usize>(count - 1) << 5), 32);
  return pairs + (count & 1);
}

/**
 * blake3Listed writes the standard BLAKE3 hash of each listed message `prefix ‖ data` to OUTPUT.
 * Jobs are listed full chunks first, then every message's short tail (or whole short message),
 * so the four lanes of a group mostly have equal block counts. Root parents of all long
 * messages are gathered and computed four at a time.
 */
function blake3Listed(count: i32, prefix: i32): void {
  const prefixLength = prefix >= 0 ? 1 : 0;
  let jobs = 0;
  let cvs = 0;
  for (let i = 0; i < count; i++) {
    const data = messagePtr(i), length = messageLength(i);
    const total = length + prefixLength;
    if (total <= CHUNK_LEN) continue;
    store<i32>(MESSAGE_FIRST_CV + (<usize>i << 2), cvs);
    for (let offset = 0; offset + CHUNK_LEN <= total; offset += CHUNK_LEN) {
      setJob(jobs++, data, length, prefix, offset, <u64>(offset >> 10), 0, CHAINING_VALUES + (<usize>cvs << 5));
      cvs++;
    }
    if (total & (CHUNK_LEN - 1)) cvs++; // the tail's CV slot, filled by the second pass
  }
  for (let i = 0; i < count; i++) {
    const data = messagePtr(i), length = messageLength(i);
    const total = length + prefixLength;
    if (total <= CHUNK_LEN) {
      setJob(jobs++, data, length, prefix, 0, 0, ROOT, OUTPUT + (<usize>i << 5));
    } else if (total & (CHUNK_LEN - 1)) {
      const chunk = total >> 10;
      const cv = load<i32>(MESSAGE_FIRST_CV + (<usize>i << 2)) + chunk;
      setJob(jobs++, data, length, prefix, chunk << 10, <u64>chunk, 0, CHAINING_VALUES + (<usize>cv << 5));
    }
  }
  runChunkJobs(jobs);
  let roots = 0;
  for (let i = 0; i < count; i++) {
    const total = messageLength(i) + prefixLength;
    if (total <= CHUNK_LEN) continue;
    const cv = CHAINING_VALUES + (<usize>load<i32>(MESSAGE_FIRST_CV + (<usize>i << 2)) << 5);
    let n = (total + CHUNK_LEN - 1) >> 10;
    while (n > 2) n = mergeLevel(cv, n);
    memory.copy(ROOT_PAIRS + (<usize>roots << 6), cv, 64);
    store<i32>(ROOT_MESSAGE + (<usize>roots << 2), i);
    roots++;
  }
  parents(ROOT_PAIRS, roots, ROOT, ROOT_OUTPUTS);
  for (let k = 0; k < roots; k++) {
    const i = load<i32>(ROOT_MESSAGE + (<usize>k << 2));
    memory.copy(OUTPUT + (<usize>i << 5), ROOT_OUTPUTS + (<usize>k << 5), 32);
  }
}

/** blake3Blocks hashes `count` consecutive blocks of INPUT (the last `lastLength` bytes) into OUTPUT. */
export function blake3Blocks(count: i32, blockSize: i32, lastLength: i32, prefix: i32): void {
  listBlocks(count, blockSize, lastLength);
  blake3Listed(count, prefix);
}

/** blake3Spans hashes the `count` spans of INPUT bounded by OFFSETS into OUTPUT. */
export function blake3Spans(count: i32, prefix: i32): void {
  listSpans(count);
  blake3Listed(count, prefix);
}

/**
 * blake3GroupChainingValues writes to OUTPUT the non-root CV of each group of `groupSize`
 * bytes (a power of two ≥ 1024) of the `length` (> 0) bytes at INPUT; the last group may be
 * short. Chunk counters start at firstChunkHigh·2^32 + firstChunkLow.
 */
export function blake3GroupChainingValues(length: i32, groupSize: i32, firstChunkLow: u32, firstChunkHigh: u32): void {
  const firstChunk = (<u64>firstChunkHigh << 32) | <u64>firstChunkLow;
  let n = 0;
  for (let offset = 0; offset < length; offset += CHUNK_LEN) {
    setJob(n, INPUT, length, -1, offset, firstChunk + <u64>n, 0, CHAINING_VALUES + (<usize>n << 5));
    n++;
  }
  runChunkJobs(n);
  // Groups are aligned powers of two, so merging whole levels never pairs CVs of two groups.
  for (let size = CHUNK_LEN; size < groupSize && n > 1; size <<= 1) n = mergeLevel(CHAINING_VALUES, n);
  memory.copy(OUTPUT, CHAINING_VALUES, <usize>n << 5);
}

/** blake3ParentChainingValues writes the non-root parent CVs of the `count` CV pairs at INPUT to OUTPUT. */
export function blake3ParentChainingValues(count: i32): void {
  parents(INPUT, count, 0, OUTPUT);
}

/** blake3ParentRoot writes the root output (ROOT flag) of the parent of the CV pair at INPUT to OUTPUT. */
export function blake3ParentRoot(): void {
  blake3Parent(INPUT, ROOT, OUTPUT);
}
