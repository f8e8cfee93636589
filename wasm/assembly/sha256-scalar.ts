// Scalar SHA-256: one message at a time. The kernel of the scalar module, the tail path of the
// SIMD module, and the streaming path for messages larger than INPUT.
import { SHA256_IV, SHA256_K, sha256Block, sha256BlockCount } from './sha256-common';

const SCHEDULE: usize = memory.data(64 * 4, 64);
const SCRATCH: usize = memory.data(64, 64);
const STATE: usize = memory.data(32, 32);

// @ts-ignore: decorator
@inline function bigSigma0(x: u32): u32 { return rotr<u32>(x, 2) ^ rotr<u32>(x, 13) ^ rotr<u32>(x, 22); }
// @ts-ignore: decorator
@inline function bigSigma1(x: u32): u32 { return rotr<u32>(x, 6) ^ rotr<u32>(x, 11) ^ rotr<u32>(x, 25); }
// @ts-ignore: decorator
@inline function choose(x: u32, y: u32, z: u32): u32 { return z ^ (x & (y ^ z)); }
// @ts-ignore: decorator
@inline function majority(x: u32, y: u32, z: u32): u32 { return (x & y) | (z & (x | y)); }
// @ts-ignore: decorator
@inline function wk(w: usize, t: usize): u32 { return load<u32>(w + (t << 2)) + load<u32>(SHA256_K + (t << 2)); }

/** sha256Compress updates the 8-word state at `state` with the 64-byte big-endian block at `block`. */
export function sha256Compress(state: usize, block: usize): void {
  const w = SCHEDULE;
  for (let t: usize = 0; t < 16; t++) store<u32>(w + (t << 2), bswap<u32>(load<u32>(block + (t << 2))));
  for (let t: usize = 16; t < 64; t++) {
    const w15 = load<u32>(w + ((t - 15) << 2));
    const w2 = load<u32>(w + ((t - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(w + (t << 2), load<u32>(w + ((t - 16) << 2)) + s0 + load<u32>(w + ((t - 7) << 2)) + s1);
  }
  let a = load<u32>(state, 0), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  let e = load<u32>(state, 16), f = load<u32>(state, 20), g = load<u32>(state, 24), h = load<u32>(state, 28);
  // Eight rounds per iteration with the roles of a..h rotated by naming, so no round moves
  // the state around: each round only updates d (as the new e) and h (as the new a).
  for (let t: usize = 0; t < 64; t += 8) {
    let t1 = h + bigSigma1(e) + choose(e, f, g) + wk(w, t); d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
    t1 = g + bigSigma1(d) + choose(d, e, f) + wk(w, t + 1); c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
    t1 = f + bigSigma1(c) + choose(c, d, e) + wk(w, t + 2); b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
    t1 = e + bigSigma1(b) + choose(b, c, d) + wk(w, t + 3); a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
    t1 = d + bigSigma1(a) + choose(a, b, c) + wk(w, t + 4); h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
    t1 = c + bigSigma1(h) + choose(h, a, b) + wk(w, t + 5); g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
    t1 = b + bigSigma1(g) + choose(g, h, a) + wk(w, t + 6); f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
    t1 = a + bigSigma1(f) + choose(f, g, h) + wk(w, t + 7); e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  }
  store<u32>(state, load<u32>(state, 0) + a, 0);
  store<u32>(state, load<u32>(state, 4) + b, 4);
  store<u32>(state, load<u32>(state, 8) + c, 8);
  store<u32>(state, load<u32>(state, 12) + d, 12);
  store<u32>(state, load<u32>(state, 16) + e, 16);
  store<u32>(state, load<u32>(state, 20) + f, 20);
  store<u32>(state, load<u32>(state, 24) + g, 24);
  store<u32>(state, load<u32>(state, 28) + h, 28);
}

/** sha256StoreDigest writes the state as a big-endian 32-byte digest. */
export function sha256StoreDigest(state: usize, out: usize): void {
  for (let i: usize = 0; i < 32; i += 4) store<u32>(out + i, bswap<u32>(load<u32>(state + i)));
}

/** sha256One writes SHA-256(prefix ‖ data) to `out` (prefix < 0: none); SHA256d with `twice`. */
export function sha256One(data: usize, length: i32, prefix: i32, twice: bool, out: usize): void {
  const prefixLength = prefix >= 0 ? 1 : 0;
  const blocks = sha256BlockCount(length + prefixLength);
  const bits = <u64>(length + prefixLength) << 3;
  memory.copy(STATE, SHA256_IV, 32);
  for (let b = 0; b < blocks; b++) {
    sha256Compress(STATE, sha256Block(data, length, prefixLength, prefix, b, blocks, bits, SCRATCH));
  }
  sha256StoreDigest(STATE, out);
  if (twice) {
    memory.copy(STATE, SHA256_IV, 32);
    sha256Compress(STATE, sha256Block(out, 32, 0, 0, 0, 1, 256, SCRATCH));
    sha256StoreDigest(STATE, out);
  }
}

// Streaming, for one message larger than INPUT: the host feeds whole blocks, then the tail.
const STREAM_STATE: usize = memory.data(32, 32);
let streamBytes: u64 = 0;

export function sha256StreamBegin(): void {
  memory.copy(STREAM_STATE, SHA256_IV, 32);
  streamBytes = 0;
}

/** sha256StreamUpdate absorbs `length` bytes (a multiple of 64) at `data`. */
export function sha256StreamUpdate(data: usize, length: i32): void {
  for (let at = 0; at < length; at += 64) sha256Compress(STREAM_STATE, data + <usize>at);
  streamBytes += <u64>length;
}

/** sha256StreamFinal absorbs the last `length` bytes at `data` and writes the digest to `out`. */
export function sha256StreamFinal(data: usize, length: i32, out: usize): void {
  const bits = (streamBytes + <u64>length) << 3;
  const blocks = sha256BlockCount(length);
  for (let b = 0; b < blocks; b++) {
    sha256Compress(STREAM_STATE, sha256Block(data, length, 0, 0, b, blocks, bits, SCRATCH));
  }
  sha256StoreDigest(STREAM_STATE, out);
}
