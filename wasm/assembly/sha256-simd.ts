// 4-lane SHA-256 on SIMD128: four messages in flight, one per 32-bit lane of every vector.
// Lanes may have different lengths: each lane's final state is captured when its last block
// is done (a lane that finished early keeps running on stale data, and its result is ignored).
import { SHA256_IV, SHA256_K, sha256Block, sha256BlockCount } from './sha256-common';
import { byteSwap4, laneVector, storeRows4, transpose4 } from './simd-util';

const SCHEDULE4: usize = memory.data(64 * 16, 64);
const STATE4: usize = memory.data(8 * 16, 64);
const FINAL4: usize = memory.data(8 * 16, 64);
const ROWS4: usize = memory.data(8 * 16, 64);
const LANE_SCRATCH: usize = memory.data(4 * 64, 64);
/** W[t] + K[t] of a final block that is only padding and the same in all lanes. */
const PADDING_WK: usize = memory.data(64 * 4, 64);
const PADDING_BLOCK: usize = memory.data(64, 64);
let paddingWkBits: u64 = u64.MAX_VALUE;

// @ts-ignore: decorator
@inline function rotr4(x: v128, n: i32): v128 {
  return v128.or(i32x4.shr_u(x, n), i32x4.shl(x, 32 - n));
}

// @ts-ignore: decorator
@inline function add3(a: v128, b: v128, c: v128): v128 { return i32x4.add(i32x4.add(a, b), c); }
// @ts-ignore: decorator
@inline function add4(a: v128, b: v128, c: v128, d: v128): v128 { return i32x4.add(i32x4.add(a, b), i32x4.add(c, d)); }
// @ts-ignore: decorator
@inline function bigSigma0x4(x: v128): v128 { return v128.xor(v128.xor(rotr4(x, 2), rotr4(x, 13)), rotr4(x, 22)); }
// @ts-ignore: decorator
@inline function bigSigma1x4(x: v128): v128 { return v128.xor(v128.xor(rotr4(x, 6), rotr4(x, 11)), rotr4(x, 25)); }
// @ts-ignore: decorator
@inline function choose4(x: v128, y: v128, z: v128): v128 { return v128.bitselect(y, z, x); }
// @ts-ignore: decorator
@inline function majority4(x: v128, y: v128, z: v128): v128 { return v128.bitselect(x, y, v128.xor(y, z)); }
/** wk4 is W[t] + K[t]: a word vector plus K, or (splatted) one precomputed sum for all lanes. */
// @ts-ignore: decorator
@inline function wk4(w: usize, t: usize, splatted: i32): v128 {
  return splatted
    ? v128.load32_splat(w + (t << 2))
    : i32x4.add(v128.load(w + (t << 4)), v128.load32_splat(SHA256_K + (t << 2)));
}

/**
 * loadBlocks4 loads one 64-byte block per lane into SCHEDULE4[0..16) as big-endian word vectors.
 * Byte swaps act within 32-bit lanes, so they can come before the transposes.
 */
function loadBlocks4(p0: usize, p1: usize, p2: usize, p3: usize): void {
  for (let q: usize = 0; q < 64; q += 16) {
    transpose4(
      byteSwap4(v128.load(p0 + q)), byteSwap4(v128.load(p1 + q)), byteSwap4(v128.load(p2 + q)), byteSwap4(v128.load(p3 + q)),
      SCHEDULE4 + (q << 2),
    );
  }
}

/** compress4 runs the 64 rounds on STATE4 with the message words in SCHEDULE4[0..16). */
function compress4(): void {
  const w = SCHEDULE4;
  for (let t: usize = 16; t < 64; t++) {
    const w15 = v128.load(w + ((t - 15) << 4));
    const w2 = v128.load(w + ((t - 2) << 4));
    const s0 = v128.xor(v128.xor(rotr4(w15, 7), rotr4(w15, 18)), i32x4.shr_u(w15, 3));
    const s1 = v128.xor(v128.xor(rotr4(w2, 17), rotr4(w2, 19)), i32x4.shr_u(w2, 10));
    const sum = i32x4.add(i32x4.add(v128.load(w + ((t - 16) << 4)), s0), i32x4.add(v128.load(w + ((t - 7) << 4)), s1));
    v128.store(w + (t << 4), sum);
  }
  rounds4(w, 0);
}

/**
 * rounds4 runs the 64 rounds on STATE4. With `splatted` false, round t adds K[t] and the word
 * vector at w + 16t; with true, it adds the one precomputed W[t] + K[t] at w + 4t to all lanes.
 */
// @ts-ignore: decorator
@inline function rounds4(w: usize, splatted: i32): void {
  let a = v128.load(STATE4, 0), b = v128.load(STATE4, 16), c = v128.load(STATE4, 32), d = v128.load(STATE4, 48);
  let e = v128.load(STATE4, 64), f = v128.load(STATE4, 80), g = v128.load(STATE4, 96), h = v128.load(STATE4, 112);
  // Eight rounds per iteration, roles rotated by naming (see sha256Compress).
  for (let t: usize = 0; t < 64; t += 8) {
    let t1 = add4(h, bigSigma1x4(e), choose4(e, f, g), wk4(w, t, splatted)); d = i32x4.add(d, t1); h = add3(t1, bigSigma0x4(a), majority4(a, b, c));
    t1 = add4(g, bigSigma1x4(d), choose4(d, e, f), wk4(w, t + 1, splatted)); c = i32x4.add(c, t1); g = add3(t1, bigSigma0x4(h), majority4(h, a, b));
    t1 = add4(f, bigSigma1x4(c), choose4(c, d, e), wk4(w, t + 2, splatted)); b = i32x4.add(b, t1); f = add3(t1, bigSigma0x4(g), majority4(g, h, a));
    t1 = add4(e, bigSigma1x4(b), choose4(b, c, d), wk4(w, t + 3, splatted)); a = i32x4.add(a, t1); e = add3(t1, bigSigma0x4(f), majority4(f, g, h));
    t1 = add4(d, bigSigma1x4(a), choose4(a, b, c), wk4(w, t + 4, splatted)); h = i32x4.add(h, t1); d = add3(t1, bigSigma0x4(e), majority4(e, f, g));
    t1 = add4(c, bigSigma1x4(h), choose4(h, a, b), wk4(w, t + 5, splatted)); g = i32x4.add(g, t1); c = add3(t1, bigSigma0x4(d), majority4(d, e, f));
    t1 = add4(b, bigSigma1x4(g), choose4(g, h, a), wk4(w, t + 6, splatted)); f = i32x4.add(f, t1); b = add3(t1, bigSigma0x4(c), majority4(c, d, e));
    t1 = add4(a, bigSigma1x4(f), choose4(f, g, h), wk4(w, t + 7, splatted)); e = i32x4.add(e, t1); a = add3(t1, bigSigma0x4(b), majority4(b, c, d));
  }
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 0), a), 0);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 16), b), 16);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 32), c), 32);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 48), d), 48);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 64), e), 64);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 80), f), 80);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 96), g), 96);
  v128.store(STATE4, i32x4.add(v128.load(STATE4, 112), h), 112);
}

function compressPadding4(): void {
  rounds4(PADDING_WK, 1);
}

/** preparePaddingBlock computes W + K of the block [0x80, 0…, bitLength] once per bit length. */
function preparePaddingBlock(bitLength: u64): void {
  if (bitLength == paddingWkBits) return;
  memory.fill(PADDING_BLOCK, 0, 64);
  store<u8>(PADDING_BLOCK, 0x80);
  store<u64>(PADDING_BLOCK, bswap<u64>(bitLength), 56);
  const w = PADDING_WK;
  for (let t: usize = 0; t < 16; t++) store<u32>(w + (t << 2), bswap<u32>(load<u32>(PADDING_BLOCK + (t << 2))));
  for (let t: usize = 16; t < 64; t++) {
    const w15 = load<u32>(w + ((t - 15) << 2));
    const w2 = load<u32>(w + ((t - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(w + (t << 2), load<u32>(w + ((t - 16) << 2)) + s0 + load<u32>(w + ((t - 7) << 2)) + s1);
  }
  for (let t: usize = 0; t < 64; t++) store<u32>(w + (t << 2), load<u32>(w + (t << 2)) + load<u32>(SHA256_K + (t << 2)));
  paddingWkBits = bitLength;
}

function resetState4(): void {
  for (let k: usize = 0; k < 8; k++) v128.store(STATE4 + (k << 4), v128.load32_splat(SHA256_IV + (k << 2)));
}

/**
 * sha256x4 hashes four messages `prefix ‖ data_j` (prefix < 0: none; SHA256d with `twice`)
 * and writes the digests of the first `lanes` of them to out_j.
 */
export function sha256x4(
  p0: usize, l0: i32, p1: usize, l1: i32, p2: usize, l2: i32, p3: usize, l3: i32,
  prefix: i32, twice: bool, lanes: i32, out0: usize, out1: usize, out2: usize, out3: usize,
): void {
  const prefixLength = prefix >= 0 ? 1 : 0;
  const n0 = sha256BlockCount(l0 + prefixLength), n1 = sha256BlockCount(l1 + prefixLength);
  const n2 = sha256BlockCount(l2 + prefixLength), n3 = sha256BlockCount(l3 + prefixLength);
  const lastBlock = laneVector(n0 - 1, n1 - 1, n2 - 1, n3 - 1);
  const b0 = <u64>(l0 + prefixLength) << 3, b1 = <u64>(l1 + prefixLength) << 3;
  const b2 = <u64>(l2 + prefixLength) << 3, b3 = <u64>(l3 + prefixLength) << 3;
  // When all lanes end with the same pure-padding block, its schedule is computed once.
  const sharedPadding = l0 == l1 && l0 == l2 && l0 == l3 && ((l0 + prefixLength) & 63) == 0;
  const blocks = max(max(n0, n1), max(n2, n3)) - (sharedPadding ? 1 : 0);
  const s0 = LANE_SCRATCH, s1 = LANE_SCRATCH + 64, s2 = LANE_SCRATCH + 128, s3 = LANE_SCRATCH + 192;
  resetState4();
  for (let b = 0; b < blocks; b++) {
    loadBlocks4(
      b < n0 ? sha256Block(p0, l0, prefixLength, prefix, b, n0, b0, s0) : s0,
      b < n1 ? sha256Block(p1, l1, prefixLength, prefix, b, n1, b1, s1) : s1,
      b < n2 ? sha256Block(p2, l2, prefixLength, prefix, b, n2, b2, s2) : s2,
      b < n3 ? sha256Block(p3, l3, prefixLength, prefix, b, n3, b3, s3) : s3,
    );
    compress4();
    const done = i32x4.eq(lastBlock, i32x4.splat(b));
    for (let k: usize = 0; k < 128; k += 16) {
      v128.store(FINAL4 + k, v128.bitselect(v128.load(STATE4 + k), v128.load(FINAL4 + k), done));
    }
  }
  if (sharedPadding) {
    preparePaddingBlock(b0);
    compressPadding4();
    memory.copy(FINAL4, STATE4, 128);
  }
  if (twice) {
    // The second hash's message is the 32-byte digest: words 0..7 are the state words as they are.
    memory.copy(SCHEDULE4, FINAL4, 128);
    v128.store(SCHEDULE4 + 128, i32x4.splat(0x80000000));
    for (let k: usize = 9; k < 15; k++) v128.store(SCHEDULE4 + (k << 4), i32x4.splat(0));
    v128.store(SCHEDULE4 + 240, i32x4.splat(256));
    resetState4();
    compress4();
    memory.copy(FINAL4, STATE4, 128);
  }
  storeRows4(FINAL4, ROWS4);
  storeLane(out0, 0);
  if (lanes > 1) storeLane(out1, 1);
  if (lanes > 2) storeLane(out2, 2);
  if (lanes > 3) storeLane(out3, 3);
}

/** storeLane writes lane j's digest from ROWS4 as big-endian bytes. */
// @ts-ignore: decorator
@inline function storeLane(out: usize, j: usize): void {
  v128.store(out, byteSwap4(v128.load(ROWS4 + (j << 4))), 0);
  v128.store(out, byteSwap4(v128.load(ROWS4 + 64 + (j << 4))), 16);
}
