// BLAKE3 pieces shared by the scalar and the 4-lane kernels: flags, the message schedule and
// chunk jobs. A chunk job is one chunk of a message `prefix ‖ data` (prefix optional): the
// unit both kernels hash, one at a time or four in flight.
import { CHUNK_JOBS, CHUNK_JOB_BYTES } from './layout';

export const CHUNK_LEN: i32 = 1024;
export const BLOCK_LEN: i32 = 64;
export const CHUNK_START: u32 = 1;
export const CHUNK_END: u32 = 2;
export const PARENT: u32 = 4;
export const ROOT: u32 = 8;

// Chunk job record fields (byte offsets within a CHUNK_JOB_BYTES record).
const JOB_DATA: usize = 0; // u32 address of the message data
const JOB_LENGTH: usize = 4; // i32 data length, without the prefix
const JOB_PREFIX: usize = 8; // i32 prefix byte, or -1
const JOB_OFFSET: usize = 12; // i32 offset of the chunk within prefix ‖ data
const JOB_COUNTER: usize = 16; // u64 chunk counter
const JOB_FLAGS: usize = 24; // u32 flags for the chunk's last block (ROOT or 0)
const JOB_OUT: usize = 28; // u32 address of the 32-byte output

// @ts-ignore: decorator
@inline export function jobAddress(job: i32): usize {
  return CHUNK_JOBS + <usize>job * CHUNK_JOB_BYTES;
}

export function setJob(job: i32, data: usize, length: i32, prefix: i32, offset: i32, counter: u64, flags: u32, out: usize): void {
  const at = jobAddress(job);
  store<u32>(at, <u32>data, JOB_DATA);
  store<i32>(at, length, JOB_LENGTH);
  store<i32>(at, prefix, JOB_PREFIX);
  store<i32>(at, offset, JOB_OFFSET);
  store<u64>(at, counter, JOB_COUNTER);
  store<u32>(at, flags, JOB_FLAGS);
  store<u32>(at, <u32>out, JOB_OUT);
}

// @ts-ignore: decorator
@inline export function jobData(at: usize): usize { return load<u32>(at, JOB_DATA); }
// @ts-ignore: decorator
@inline export function jobLength(at: usize): i32 { return load<i32>(at, JOB_LENGTH); }
// @ts-ignore: decorator
@inline export function jobPrefix(at: usize): i32 { return load<i32>(at, JOB_PREFIX); }
// @ts-ignore: decorator
@inline export function jobOffset(at: usize): i32 { return load<i32>(at, JOB_OFFSET); }
// @ts-ignore: decorator
@inline export function jobCounter(at: usize): u64 { return load<u64>(at, JOB_COUNTER); }
// @ts-ignore: decorator
@inline export function jobFlags(at: usize): u32 { return load<u32>(at, JOB_FLAGS); }
// @ts-ignore: decorator
@inline export function jobOut(at: usize): usize { return load<u32>(at, JOB_OUT); }

/** jobChunkLength is the number of message bytes in the job's chunk (0 only for an empty message). */
// @ts-ignore: decorator
@inline export function jobChunkLength(at: usize): i32 {
  return min(CHUNK_LEN, jobLength(at) + (jobPrefix(at) >= 0 ? 1 : 0) - jobOffset(at));
}

/** chunkBlockCount is the number of compressions of a chunk of `chunkLength` bytes (at least one). */
// @ts-ignore: decorator
@inline export function chunkBlockCount(chunkLength: i32): i32 {
  return max(1, (chunkLength + 63) >> 6);
}

/** blockFlags are the flags of block `block` of a chunk of `blocks` blocks whose last block also gets `lastFlags`. */
// @ts-ignore: decorator
@inline export function blockFlags(block: i32, blocks: i32, lastFlags: u32): u32 {
  return (block == 0 ? CHUNK_START : 0) | (block == blocks - 1 ? CHUNK_END | lastFlags : 0);
}

/**
 * blake3Block returns the address of the 64 message bytes at `offset` of `prefix ‖ data`:
 * the data itself when the block lies wholly inside it, otherwise `scratch` holding the
 * available bytes (the prefix, a short tail) followed by zeros.
 */
export function blake3Block(data: usize, length: i32, prefix: i32, offset: i32, scratch: usize): usize {
  const start = offset - (prefix >= 0 ? 1 : 0); // data offset of the block's first byte
  if (start >= 0 && start + 64 <= length) return data + <usize>start;
  memory.fill(scratch, 0, 64);
  const from = max(start, 0);
  const to = min(start + 64, length);
  if (to > from) memory.copy(scratch + <usize>(from - start), data + <usize>from, <usize>(to - from));
  if (start < 0) store<u8>(scratch, <u8>prefix);
  return scratch;
}
