// Scalar BLAKE3: the compression function, one chunk, one parent. The kernel of the scalar
// module and the tail path of the SIMD module.
import { SHA256_IV as BLAKE3_IV } from './sha256-common';
import {
  PARENT, blake3Block, blockFlags, chunkBlockCount, jobAddress, jobChunkLength, jobCounter,
  jobData, jobFlags, jobLength, jobOffset, jobOut, jobPrefix,
} from './blake3-common';

const CV: usize = memory.data(32, 16);
const SCRATCH: usize = memory.data(64, 16);

// @ts-ignore: decorator
@inline function word(block: usize, i: usize): u32 {
  return load<u32>(block + (i << 2));
}

/**
 * blake3Compress replaces the 8-word chaining value at `cv` with the first half of the
 * compression output of the 64-byte little-endian block at `block`.
 *
 * The seven rounds are written out with the spec's message permutation already applied to the
 * word indices, so every message word is a load at a constant offset and no round shuffles
 * words around (a rolled loop that permuted 16 locals per round ran at about 60% of this speed).
 */
export function blake3Compress(cv: usize, block: usize, counter: u64, blockLength: u32, flags: u32): void {
  let v0 = load<u32>(cv, 0), v1 = load<u32>(cv, 4), v2 = load<u32>(cv, 8), v3 = load<u32>(cv, 12);
  let v4 = load<u32>(cv, 16), v5 = load<u32>(cv, 20), v6 = load<u32>(cv, 24), v7 = load<u32>(cv, 28);
  let v8 = load<u32>(BLAKE3_IV, 0), v9 = load<u32>(BLAKE3_IV, 4), v10 = load<u32>(BLAKE3_IV, 8), v11 = load<u32>(BLAKE3_IV, 12);
  let v12 = <u32>counter, v13 = <u32>(counter >> 32), v14 = blockLength, v15 = flags;
  // Round 0.
  v0 += v4 + word(block, 0); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 1); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 2); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 3); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 4); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 5); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 6); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 7); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 8); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 9); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 10); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 11); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 12); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 13); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 14); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 15); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 1.
  v0 += v4 + word(block, 2); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 6); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 3); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 10); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 7); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 0); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 4); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 13); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 1); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 11); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 12); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 5); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 9); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 14); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 15); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 8); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 2.
  v0 += v4 + word(block, 3); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 4); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 10); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 12); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 13); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 2); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 7); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 14); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 6); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 5); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 9); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 0); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 11); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 15); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 8); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 1); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 3.
  v0 += v4 + word(block, 10); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 7); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 12); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 9); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 14); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 3); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 13); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 15); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 4); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 0); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 11); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 2); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 5); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 8); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 1); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 6); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 4.
  v0 += v4 + word(block, 12); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 13); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 9); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 11); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 15); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 10); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 14); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 8); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 7); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 2); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 5); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 3); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 0); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 1); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 6); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 4); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 5.
  v0 += v4 + word(block, 9); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 14); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 11); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 5); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 8); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 12); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 15); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 1); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 13); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 3); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 0); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 10); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 2); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 6); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 4); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 7); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  // Round 6.
  v0 += v4 + word(block, 11); v12 = rotr<u32>(v12 ^ v0, 16); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 12);
  v0 += v4 + word(block, 15); v12 = rotr<u32>(v12 ^ v0, 8); v8 += v12; v4 = rotr<u32>(v4 ^ v8, 7);
  v1 += v5 + word(block, 5); v13 = rotr<u32>(v13 ^ v1, 16); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 12);
  v1 += v5 + word(block, 0); v13 = rotr<u32>(v13 ^ v1, 8); v9 += v13; v5 = rotr<u32>(v5 ^ v9, 7);
  v2 += v6 + word(block, 1); v14 = rotr<u32>(v14 ^ v2, 16); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 12);
  v2 += v6 + word(block, 9); v14 = rotr<u32>(v14 ^ v2, 8); v10 += v14; v6 = rotr<u32>(v6 ^ v10, 7);
  v3 += v7 + word(block, 8); v15 = rotr<u32>(v15 ^ v3, 16); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 12);
  v3 += v7 + word(block, 6); v15 = rotr<u32>(v15 ^ v3, 8); v11 += v15; v7 = rotr<u32>(v7 ^ v11, 7);
  v0 += v5 + word(block, 14); v15 = rotr<u32>(v15 ^ v0, 16); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 12);
  v0 += v5 + word(block, 10); v15 = rotr<u32>(v15 ^ v0, 8); v10 += v15; v5 = rotr<u32>(v5 ^ v10, 7);
  v1 += v6 + word(block, 2); v12 = rotr<u32>(v12 ^ v1, 16); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 12);
  v1 += v6 + word(block, 12); v12 = rotr<u32>(v12 ^ v1, 8); v11 += v12; v6 = rotr<u32>(v6 ^ v11, 7);
  v2 += v7 + word(block, 3); v13 = rotr<u32>(v13 ^ v2, 16); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 12);
  v2 += v7 + word(block, 4); v13 = rotr<u32>(v13 ^ v2, 8); v8 += v13; v7 = rotr<u32>(v7 ^ v8, 7);
  v3 += v4 + word(block, 7); v14 = rotr<u32>(v14 ^ v3, 16); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 12);
  v3 += v4 + word(block, 13); v14 = rotr<u32>(v14 ^ v3, 8); v9 += v14; v4 = rotr<u32>(v4 ^ v9, 7);
  store<u32>(cv, v0 ^ v8, 0); store<u32>(cv, v1 ^ v9, 4); store<u32>(cv, v2 ^ v10, 8); store<u32>(cv, v3 ^ v11, 12);
  store<u32>(cv, v4 ^ v12, 16); store<u32>(cv, v5 ^ v13, 20); store<u32>(cv, v6 ^ v14, 24); store<u32>(cv, v7 ^ v15, 28);
}

/** blake3ChunkJob hashes one chunk job and writes its 32-byte output (CV, or root hash with ROOT). */
export function blake3ChunkJob(job: i32): void {
  const at = jobAddress(job);
  const data = jobData(at), length = jobLength(at), prefix = jobPrefix(at), offset = jobOffset(at);
  const chunkLength = jobChunkLength(at);
  const blocks = chunkBlockCount(chunkLength);
  memory.copy(CV, BLAKE3_IV, 32);
  for (let b = 0; b < blocks; b++) {
    const block = blake3Block(data, length, prefix, offset + (b << 6), SCRATCH);
    const blockLength = <u32>min(64, chunkLength - (b << 6));
    blake3Compress(CV, block, jobCounter(at), blockLength, blockFlags(b, blocks, jobFlags(at)));
  }
  memory.copy(jobOut(at), CV, 32);
}

/** blake3Parent writes the output of the parent node over the two CVs at `pair` to `out`. */
export function blake3Parent(pair: usize, flags: u32, out: usize): void {
  memory.copy(CV, BLAKE3_IV, 32);
  blake3Compress(CV, pair, 0, 64, PARENT | flags);
  memory.copy(out, CV, 32);
}
