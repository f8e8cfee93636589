// Scalar SHA-256: one message at a time. The kernel of the scalar module, the tail path of the
// SIMD module, and the streaming path for messages larger than INPUT.
import { SHA256_IV, SHA256_K, sha256Block, sha256BlockCount } from './sha256-common';

const SCHEDULE: usize = memory.data(64 * 4, 64);
const SCRATCH: usize = memory.data(64, 64);
const STATE: usize = memory.data(32, 32);

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
  for (let t: usize = 0; t < 64; t++) {
    const t1 = h + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) +
      load<u32>(SHA256_K + (t << 2)) + load<u32>(w + (t << 2));
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    h = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
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
