// Scalar SHA-256: one message at a time. The kernel of the scalar module, the tail path of the
// SIMD module, and the streaming path for messages larger than INPUT.
import { SHA256_IV, SHA256_K, sha256Block, sha256BlockCount } from './sha256-common';

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
@inline function smallSigma0(x: u32): u32 { return rotr<u32>(x, 7) ^ rotr<u32>(x, 18) ^ (x >>> 3); }
// @ts-ignore: decorator
@inline function smallSigma1(x: u32): u32 { return rotr<u32>(x, 17) ^ rotr<u32>(x, 19) ^ (x >>> 10); }
// @ts-ignore: decorator
@inline function k(t: usize): u32 { return load<u32>(SHA256_K + (t << 2)); }
// @ts-ignore: decorator
@inline function word(block: usize, i: usize): u32 { return bswap<u32>(load<u32>(block + (i << 2))); }

/**
 * sha256Compress updates the 8-word state at `state` with the 64-byte big-endian block at
 * `block`. The message schedule lives in 16 locals (W[t] overwrites W[t - 16]), so it is
 * computed 16 words at a time between groups of 16 rounds, without a trip through memory.
 */
export function sha256Compress(state: usize, block: usize): void {
  let w0 = word(block, 0), w1 = word(block, 1), w2 = word(block, 2), w3 = word(block, 3);
  let w4 = word(block, 4), w5 = word(block, 5), w6 = word(block, 6), w7 = word(block, 7);
  let w8 = word(block, 8), w9 = word(block, 9), w10 = word(block, 10), w11 = word(block, 11);
  let w12 = word(block, 12), w13 = word(block, 13), w14 = word(block, 14), w15 = word(block, 15);
  let a = load<u32>(state, 0), b = load<u32>(state, 4), c = load<u32>(state, 8), d = load<u32>(state, 12);
  let e = load<u32>(state, 16), f = load<u32>(state, 20), g = load<u32>(state, 24), h = load<u32>(state, 28);
  // The 64 rounds are written out: K[t] loads have constant addresses, and the state words
  // are named in rotation so no round moves them around (each round updates d and h only).
  let t1: u32;
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(0) + w0; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(1) + w1; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(2) + w2; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(3) + w3; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(4) + w4; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(5) + w5; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(6) + w6; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(7) + w7; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(8) + w8; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(9) + w9; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(10) + w10; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(11) + w11; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(12) + w12; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(13) + w13; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(14) + w14; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(15) + w15; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  // W[16..31] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in place, in index order.
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(16) + w0; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(17) + w1; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(18) + w2; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(19) + w3; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(20) + w4; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(21) + w5; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(22) + w6; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(23) + w7; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(24) + w8; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(25) + w9; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(26) + w10; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(27) + w11; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(28) + w12; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(29) + w13; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(30) + w14; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(31) + w15; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  // W[32..47] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in place, in index order.
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(32) + w0; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(33) + w1; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(34) + w2; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(35) + w3; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(36) + w4; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(37) + w5; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(38) + w6; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(39) + w7; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(40) + w8; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(41) + w9; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(42) + w10; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(43) + w11; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(44) + w12; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(45) + w13; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(46) + w14; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(47) + w15; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  // W[48..63] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], in place, in index order.
  w0 += smallSigma1(w14) + w9 + smallSigma0(w1);
  w1 += smallSigma1(w15) + w10 + smallSigma0(w2);
  w2 += smallSigma1(w0) + w11 + smallSigma0(w3);
  w3 += smallSigma1(w1) + w12 + smallSigma0(w4);
  w4 += smallSigma1(w2) + w13 + smallSigma0(w5);
  w5 += smallSigma1(w3) + w14 + smallSigma0(w6);
  w6 += smallSigma1(w4) + w15 + smallSigma0(w7);
  w7 += smallSigma1(w5) + w0 + smallSigma0(w8);
  w8 += smallSigma1(w6) + w1 + smallSigma0(w9);
  w9 += smallSigma1(w7) + w2 + smallSigma0(w10);
  w10 += smallSigma1(w8) + w3 + smallSigma0(w11);
  w11 += smallSigma1(w9) + w4 + smallSigma0(w12);
  w12 += smallSigma1(w10) + w5 + smallSigma0(w13);
  w13 += smallSigma1(w11) + w6 + smallSigma0(w14);
  w14 += smallSigma1(w12) + w7 + smallSigma0(w15);
  w15 += smallSigma1(w13) + w8 + smallSigma0(w0);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(48) + w0; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(49) + w1; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(50) + w2; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(51) + w3; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(52) + w4; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(53) + w5; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(54) + w6; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(55) + w7; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
  t1 = h + bigSigma1(e) + choose(e, f, g) + k(56) + w8; d += t1; h = t1 + bigSigma0(a) + majority(a, b, c);
  t1 = g + bigSigma1(d) + choose(d, e, f) + k(57) + w9; c += t1; g = t1 + bigSigma0(h) + majority(h, a, b);
  t1 = f + bigSigma1(c) + choose(c, d, e) + k(58) + w10; b += t1; f = t1 + bigSigma0(g) + majority(g, h, a);
  t1 = e + bigSigma1(b) + choose(b, c, d) + k(59) + w11; a += t1; e = t1 + bigSigma0(f) + majority(f, g, h);
  t1 = d + bigSigma1(a) + choose(a, b, c) + k(60) + w12; h += t1; d = t1 + bigSigma0(e) + majority(e, f, g);
  t1 = c + bigSigma1(h) + choose(h, a, b) + k(61) + w13; g += t1; c = t1 + bigSigma0(d) + majority(d, e, f);
  t1 = b + bigSigma1(g) + choose(g, h, a) + k(62) + w14; f += t1; b = t1 + bigSigma0(c) + majority(c, d, e);
  t1 = a + bigSigma1(f) + choose(f, g, h) + k(63) + w15; e += t1; a = t1 + bigSigma0(b) + majority(b, c, d);
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
