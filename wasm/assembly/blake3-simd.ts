// 4-lane BLAKE3 on SIMD128: four chunks (of one long message or of four small ones) or four
// parents in flight, one per 32-bit lane. Chunks may differ in block count: a lane's chaining
// value stops changing after its last block (the lane keeps computing, masked out).
import { SHA256_IV as BLAKE3_IV } from './sha256-common';
import {
  PARENT, blake3Block, blockFlags, chunkBlockCount, jobAddress, jobChunkLength, jobCounter,
  jobData, jobFlags, jobLength, jobOffset, jobOut, jobPrefix,
} from './blake3-common';
import { laneVector, storeRows4, transpose4 } from './simd-util';

const MESSAGE4: usize = memory.data(16 * 16, 64);
const CV4: usize = memory.data(8 * 16, 64);
const ROWS4: usize = memory.data(8 * 16, 64);
const LANE_SCRATCH: usize = memory.data(4 * 64, 64);

// @ts-ignore: decorator
@inline function rotr16(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13);
}
// @ts-ignore: decorator
@inline function rotr8(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12);
}
// @ts-ignore: decorator
@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}
// @ts-ignore: decorator
@inline function word4(i: usize): v128 {
  return v128.load(MESSAGE4 + (i << 4));
}
// @ts-ignore: decorator
@inline function add3(a: v128, b: v128, c: v128): v128 {
  return i32x4.add(i32x4.add(a, b), c);
}

/** loadMessage4 transposes one 64-byte block per lane into MESSAGE4 (word i of all lanes at 16·i). */
function loadMessage4(p0: usize, p1: usize, p2: usize, p3: usize): void {
  for (let q: usize = 0; q < 64; q += 16) {
    transpose4(v128.load(p0 + q), v128.load(p1 + q), v128.load(p2 + q), v128.load(p3 + q), MESSAGE4 + (q << 2));
  }
}

/**
 * compress4 compresses MESSAGE4 into the four chaining values in CV4. Lanes where `active`
 * is zero keep their chaining value. As in blake3Compress, the rounds are written out with
 * the message permutation applied to the word indices.
 */
function compress4(counterLow: v128, counterHigh: v128, blockLength: v128, flags: v128, active: v128): void {
  let v0 = v128.load(CV4, 0), v1 = v128.load(CV4, 16), v2 = v128.load(CV4, 32), v3 = v128.load(CV4, 48);
  let v4 = v128.load(CV4, 64), v5 = v128.load(CV4, 80), v6 = v128.load(CV4, 96), v7 = v128.load(CV4, 112);
  let v8 = v128.load32_splat(BLAKE3_IV, 0), v9 = v128.load32_splat(BLAKE3_IV, 4);
  let v10 = v128.load32_splat(BLAKE3_IV, 8), v11 = v128.load32_splat(BLAKE3_IV, 12);
  let v12 = counterLow, v13 = counterHigh, v14 = blockLength, v15 = flags;
  // Round 0.
  v0 = add3(v0, v4, word4(0)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(1)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(2)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(3)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(4)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(5)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(6)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(7)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(8)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(9)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(10)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(11)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(12)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(13)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(14)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(15)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 1.
  v0 = add3(v0, v4, word4(2)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(6)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(3)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(10)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(7)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(0)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(4)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(13)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(1)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(11)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(12)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(5)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(9)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(14)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(15)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(8)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 2.
  v0 = add3(v0, v4, word4(3)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(4)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(10)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(12)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(13)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(2)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(7)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(14)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(6)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(5)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(9)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(0)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(11)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(15)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(8)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(1)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 3.
  v0 = add3(v0, v4, word4(10)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(7)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(12)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(9)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(14)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(3)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(13)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(15)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(4)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(0)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(11)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(2)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(5)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(8)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(1)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(6)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 4.
  v0 = add3(v0, v4, word4(12)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(13)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(9)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(11)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(15)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(10)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(14)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(8)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(7)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(2)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(5)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(3)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(0)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(1)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(6)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(4)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 5.
  v0 = add3(v0, v4, word4(9)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(14)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(11)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(5)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(8)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(12)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(15)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(1)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(13)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(3)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(0)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(10)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(2)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(6)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(4)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(7)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  // Round 6.
  v0 = add3(v0, v4, word4(11)); v12 = rotr16(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 12);
  v0 = add3(v0, v4, word4(15)); v12 = rotr8(v128.xor(v12, v0)); v8 = i32x4.add(v8, v12); v4 = rotr4(v128.xor(v4, v8), 7);
  v1 = add3(v1, v5, word4(5)); v13 = rotr16(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 12);
  v1 = add3(v1, v5, word4(0)); v13 = rotr8(v128.xor(v13, v1)); v9 = i32x4.add(v9, v13); v5 = rotr4(v128.xor(v5, v9), 7);
  v2 = add3(v2, v6, word4(1)); v14 = rotr16(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 12);
  v2 = add3(v2, v6, word4(9)); v14 = rotr8(v128.xor(v14, v2)); v10 = i32x4.add(v10, v14); v6 = rotr4(v128.xor(v6, v10), 7);
  v3 = add3(v3, v7, word4(8)); v15 = rotr16(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 12);
  v3 = add3(v3, v7, word4(6)); v15 = rotr8(v128.xor(v15, v3)); v11 = i32x4.add(v11, v15); v7 = rotr4(v128.xor(v7, v11), 7);
  v0 = add3(v0, v5, word4(14)); v15 = rotr16(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 12);
  v0 = add3(v0, v5, word4(10)); v15 = rotr8(v128.xor(v15, v0)); v10 = i32x4.add(v10, v15); v5 = rotr4(v128.xor(v5, v10), 7);
  v1 = add3(v1, v6, word4(2)); v12 = rotr16(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 12);
  v1 = add3(v1, v6, word4(12)); v12 = rotr8(v128.xor(v12, v1)); v11 = i32x4.add(v11, v12); v6 = rotr4(v128.xor(v6, v11), 7);
  v2 = add3(v2, v7, word4(3)); v13 = rotr16(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 12);
  v2 = add3(v2, v7, word4(4)); v13 = rotr8(v128.xor(v13, v2)); v8 = i32x4.add(v8, v13); v7 = rotr4(v128.xor(v7, v8), 7);
  v3 = add3(v3, v4, word4(7)); v14 = rotr16(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 12);
  v3 = add3(v3, v4, word4(13)); v14 = rotr8(v128.xor(v14, v3)); v9 = i32x4.add(v9, v14); v4 = rotr4(v128.xor(v4, v9), 7);
  v128.store(CV4, v128.bitselect(v128.xor(v0, v8), v128.load(CV4, 0), active), 0);
  v128.store(CV4, v128.bitselect(v128.xor(v1, v9), v128.load(CV4, 16), active), 16);
  v128.store(CV4, v128.bitselect(v128.xor(v2, v10), v128.load(CV4, 32), active), 32);
  v128.store(CV4, v128.bitselect(v128.xor(v3, v11), v128.load(CV4, 48), active), 48);
  v128.store(CV4, v128.bitselect(v128.xor(v4, v12), v128.load(CV4, 64), active), 64);
  v128.store(CV4, v128.bitselect(v128.xor(v5, v13), v128.load(CV4, 80), active), 80);
  v128.store(CV4, v128.bitselect(v128.xor(v6, v14), v128.load(CV4, 96), active), 96);
  v128.store(CV4, v128.bitselect(v128.xor(v7, v15), v128.load(CV4, 112), active), 112);
}

function resetCv4(): void {
  for (let k: usize = 0; k < 8; k++) v128.store(CV4 + (k << 4), v128.load32_splat(BLAKE3_IV + (k << 2)));
}

// @ts-ignore: decorator
@inline function laneBlock(at: usize, block: i32, blocks: i32, scratch: usize): usize {
  return block < blocks ? blake3Block(jobData(at), jobLength(at), jobPrefix(at), jobOffset(at) + (block << 6), scratch) : scratch;
}

// @ts-ignore: decorator
@inline function laneBlockLength(chunkLength: i32, block: i32): i32 {
  return max(0, min(64, chunkLength - (block << 6)));
}

/**
 * blake3ChunkJobs4 hashes chunk jobs first..first+3 (the last `4 - lanes` of them repeat job
 * first + lanes - 1) and writes the outputs of the first `lanes`.
 */
export function blake3ChunkJobs4(first: i32, lanes: i32): void {
  const a0 = jobAddress(first);
  const a1 = jobAddress(first + min(1, lanes - 1));
  const a2 = jobAddress(first + min(2, lanes - 1));
  const a3 = jobAddress(first + min(3, lanes - 1));
  const c0 = jobChunkLength(a0), c1 = jobChunkLength(a1), c2 = jobChunkLength(a2), c3 = jobChunkLength(a3);
  const n0 = chunkBlockCount(c0), n1 = chunkBlockCount(c1), n2 = chunkBlockCount(c2), n3 = chunkBlockCount(c3);
  const k0 = jobCounter(a0), k1 = jobCounter(a1), k2 = jobCounter(a2), k3 = jobCounter(a3);
  const counterLow = laneVector(<i32>k0, <i32>k1, <i32>k2, <i32>k3);
  const counterHigh = laneVector(<i32>(k0 >> 32), <i32>(k1 >> 32), <i32>(k2 >> 32), <i32>(k3 >> 32));
  const blockCounts = laneVector(n0, n1, n2, n3);
  const f0 = jobFlags(a0), f1 = jobFlags(a1), f2 = jobFlags(a2), f3 = jobFlags(a3);
  const s0 = LANE_SCRATCH, s1 = LANE_SCRATCH + 64, s2 = LANE_SCRATCH + 128, s3 = LANE_SCRATCH + 192;
  const blocks = max(max(n0, n1), max(n2, n3));
  resetCv4();
  for (let b = 0; b < blocks; b++) {
    loadMessage4(laneBlock(a0, b, n0, s0), laneBlock(a1, b, n1, s1), laneBlock(a2, b, n2, s2), laneBlock(a3, b, n3, s3));
    const blockLength = laneVector(laneBlockLength(c0, b), laneBlockLength(c1, b), laneBlockLength(c2, b), laneBlockLength(c3, b));
    const flags = laneVector(
      <i32>blockFlags(b, n0, f0), <i32>blockFlags(b, n1, f1), <i32>blockFlags(b, n2, f2), <i32>blockFlags(b, n3, f3),
    );
    compress4(counterLow, counterHigh, blockLength, flags, i32x4.gt_s(blockCounts, i32x4.splat(b)));
  }
  storeRows4(CV4, ROWS4);
  storeLane(jobOut(a0), 0);
  if (lanes > 1) storeLane(jobOut(a1), 1);
  if (lanes > 2) storeLane(jobOut(a2), 2);
  if (lanes > 3) storeLane(jobOut(a3), 3);
}

/**
 * blake3Parents4 writes the outputs of parents i..i+3 over the CV pairs at pairs + 64·i to
 * out + 32·i (only the first `lanes`; `out` may equal `pairs`: all inputs are read first).
 */
export function blake3Parents4(pairs: usize, lanes: i32, flags: u32, out: usize): void {
  const last = <usize>(lanes - 1);
  loadMessage4(pairs, pairs + (min<usize>(1, last) << 6), pairs + (min<usize>(2, last) << 6), pairs + (min<usize>(3, last) << 6));
  resetCv4();
  compress4(i32x4.splat(0), i32x4.splat(0), i32x4.splat(64), i32x4.splat(PARENT | flags), i32x4.splat(-1));
  storeRows4(CV4, ROWS4);
  for (let j: usize = 0; j < <usize>lanes; j++) storeLane(out + (j << 5), j);
}

/** storeLane writes lane j's 32-byte chaining value from ROWS4. */
// @ts-ignore: decorator
@inline function storeLane(out: usize, j: usize): void {
  v128.store(out, v128.load(ROWS4 + (j << 4)), 0);
  v128.store(out, v128.load(ROWS4 + 64 + (j << 4)), 16);
}
