// The module's linear-memory layout: fixed regions after the static data, sized once at
// start-up. The host copies a batch into INPUT, calls one entry point, and copies the digests
// out of OUTPUT, so one batch costs one copy in, one copy out and one boundary crossing.

/** Bytes of message data one call can take. A power of two of BLAKE3 chunks (8192 × 1 KiB). */
export const INPUT_CAPACITY: i32 = 8 << 20;
/** Messages (and digests) one call can take. */
export const MAX_MESSAGES: i32 = 8192;
/** BLAKE3 chunk jobs one call can need: every full chunk of INPUT plus a partial one per message. */
export const MAX_CHUNK_JOBS: i32 = (INPUT_CAPACITY >> 10) + 2 * MAX_MESSAGES + 8;

const PAGE_BYTES: usize = 65536;

// @ts-ignore: decorator
@inline function alignUp(value: usize, to: usize): usize {
  return (value + to - 1) & ~(to - 1);
}

/** Digests, 32 bytes each, message i at OUTPUT + 32·i. */
export const OUTPUT: usize = alignUp(__heap_base, 64);
/** Span boundaries (u32, relative to INPUT) for the spans entry points: MAX_MESSAGES + 1 of them. */
export const OFFSETS: usize = OUTPUT + <usize>(MAX_MESSAGES * 32);
/** Per-message descriptors the drivers read: data address and length. */
export const MESSAGE_PTR: usize = OFFSETS + <usize>((MAX_MESSAGES + 16) * 4);
export const MESSAGE_LEN: usize = MESSAGE_PTR + <usize>(MAX_MESSAGES * 4);
/** Per-message index of its first chunk chaining value (BLAKE3 messages longer than one chunk). */
export const MESSAGE_FIRST_CV: usize = MESSAGE_LEN + <usize>(MAX_MESSAGES * 4);
/** BLAKE3 root parents of a batch, gathered so they run four at a time: CV pairs, outputs, message index. */
export const ROOT_PAIRS: usize = MESSAGE_FIRST_CV + <usize>(MAX_MESSAGES * 4);
export const ROOT_OUTPUTS: usize = ROOT_PAIRS + <usize>(MAX_MESSAGES * 64);
export const ROOT_MESSAGE: usize = ROOT_OUTPUTS + <usize>(MAX_MESSAGES * 32);
/** BLAKE3 chaining values of chunks and subtrees, 32 bytes each. */
export const CHAINING_VALUES: usize = ROOT_MESSAGE + <usize>(MAX_MESSAGES * 4);
/** BLAKE3 chunk jobs, one record of CHUNK_JOB_BYTES each (see blake3-jobs.ts). */
export const CHUNK_JOBS: usize = CHAINING_VALUES + <usize>(MAX_CHUNK_JOBS * 32);
export const CHUNK_JOB_BYTES: usize = 32;
/** The batch's message bytes. */
export const INPUT: usize = alignUp(CHUNK_JOBS + <usize>(MAX_CHUNK_JOBS) * CHUNK_JOB_BYTES, 64);
const END: usize = INPUT + <usize>INPUT_CAPACITY;

// Grow the memory once, at instantiation, so the host's view of it never goes stale.
const needPages = <i32>((END + PAGE_BYTES - 1) / PAGE_BYTES);
// A module that cannot get its memory fails at instantiation rather than trapping mid-batch.
if (memory.size() < needPages && memory.grow(needPages - memory.size()) < 0) unreachable();
