// 4-lane helpers shared by the SIMD kernels. A "4×4 transpose" turns four lanes' runs of four
// 32-bit words into four vectors that each hold one word position of all four lanes.

/** transpose4 writes the 4×4 transpose of the rows a, b, c, d (32-bit words) as four vectors at `dst`. */
// @ts-ignore: decorator
@inline export function transpose4(a: v128, b: v128, c: v128, d: v128, dst: usize): void {
  const abLow = v128.shuffle<i32>(a, b, 0, 4, 1, 5);
  const abHigh = v128.shuffle<i32>(a, b, 2, 6, 3, 7);
  const cdLow = v128.shuffle<i32>(c, d, 0, 4, 1, 5);
  const cdHigh = v128.shuffle<i32>(c, d, 2, 6, 3, 7);
  v128.store(dst, v128.shuffle<i64>(abLow, cdLow, 0, 2), 0);
  v128.store(dst, v128.shuffle<i64>(abLow, cdLow, 1, 3), 16);
  v128.store(dst, v128.shuffle<i64>(abHigh, cdHigh, 0, 2), 32);
  v128.store(dst, v128.shuffle<i64>(abHigh, cdHigh, 1, 3), 48);
}

/** byteSwap4 reverses the bytes of each 32-bit lane (big-endian words for SHA-256). */
// @ts-ignore: decorator
@inline export function byteSwap4(x: v128): v128 {
  return v128.shuffle<u8>(x, x, 3, 2, 1, 0, 7, 6, 5, 4, 11, 10, 9, 8, 15, 14, 13, 12);
}

/** laneVector packs four 32-bit values into one vector. */
// @ts-ignore: decorator
@inline export function laneVector(a: i32, b: i32, c: i32, d: i32): v128 {
  return i32x4.replace_lane(i32x4.replace_lane(i32x4.replace_lane(i32x4.splat(a), 1, b), 2, c), 3, d);
}

/** storeRows4 transposes 8 word vectors at `words` back into four 32-byte rows, one per lane. */
export function storeRows4(words: usize, rows: usize): void {
  transpose4(v128.load(words, 0), v128.load(words, 16), v128.load(words, 32), v128.load(words, 48), rows);
  transpose4(v128.load(words, 64), v128.load(words, 80), v128.load(words, 96), v128.load(words, 112), rows + 64);
  // rows now holds lane j's words 0..3 at 16·j and words 4..7 at 64 + 16·j.
}
