/**
 * BLAKE3 in TypeScript, written from the specification: the Blake3TreeKernel the b3tree
 * profile falls back to where the native addon does not load. Correct first; fast enough
 * for a fallback: the state lives in local variables, message and CVs in preallocated
 * Uint32Arrays, and nothing is allocated per block.
 *
 * Its backend is reported as 'node' (plain JavaScript on Node, no addon and no WebAssembly):
 * 'wasm' would misname it and 'native' would hide that it is the slow path. The kernel name
 * 'ts-portable' tells it apart from node:crypto, the other 'node' kernel.
 */
import type { Blake3TreeKernel } from './types.js';

const BLOCK_LEN = 64;
const CHUNK_LEN = 1024;
const OUT_LEN = 32;

const CHUNK_START = 1 << 0;
const CHUNK_END = 1 << 1;
const PARENT = 1 << 2;
const ROOT = 1 << 3;

const IV = Uint32Array.of(0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19);
const MSG_PERMUTATION = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

/** S[16r + i]: index of the original message word used as word i in round r (the permutation applied r times). */
const S = (() => {
  const schedule = new Uint8Array(7 * 16);
  for (let i = 0; i < 16; i++) schedule[i] = i;
  for (let r = 1; r < 7; r++) {
    for (let i = 0; i < 16; i++) schedule[16 * r + i] = schedule[16 * (r - 1) + MSG_PERMUTATION[i]!]!;
  }
  return schedule;
})();

/** Deepest CV stack: one entry per bit of a chunk count below 2^53. */
const MAX_DEPTH = 54;

/**
 * compress replaces cv[at, at + 8) with the chaining value of one block (message words `m`)
 * under the BLAKE3 compression function. `counter` is any safe integer (split into two words).
 */
function compress(cv: Uint32Array, at: number, m: Uint32Array, counter: number, blockLen: number, flags: number): void {
  let v0 = cv[at]!, v1 = cv[at + 1]!, v2 = cv[at + 2]!, v3 = cv[at + 3]!;
  let v4 = cv[at + 4]!, v5 = cv[at + 5]!, v6 = cv[at + 6]!, v7 = cv[at + 7]!;
  let v8 = IV[0]!, v9 = IV[1]!, v10 = IV[2]!, v11 = IV[3]!;
  let v12 = counter >>> 0;
  let v13 = Math.floor(counter / 0x100000000) >>> 0;
  let v14 = blockLen;
  let v15 = flags;
  for (let s = 0; s < 7 * 16; s += 16) {
      // Columns.
      v0 = (v0 + v4 + m[S[s + 0]]!) | 0; v12 ^= v0; v12 = (v12 >>> 16) | (v12 << 16);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 12) | (v4 << 20);
      v0 = (v0 + v4 + m[S[s + 1]]!) | 0; v12 ^= v0; v12 = (v12 >>> 8) | (v12 << 24);
      v8 = (v8 + v12) | 0; v4 ^= v8; v4 = (v4 >>> 7) | (v4 << 25);
      v1 = (v1 + v5 + m[S[s + 2]]!) | 0; v13 ^= v1; v13 = (v13 >>> 16) | (v13 << 16);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 12) | (v5 << 20);
      v1 = (v1 + v5 + m[S[s + 3]]!) | 0; v13 ^= v1; v13 = (v13 >>> 8) | (v13 << 24);
      v9 = (v9 + v13) | 0; v5 ^= v9; v5 = (v5 >>> 7) | (v5 << 25);
      v2 = (v2 + v6 + m[S[s + 4]]!) | 0; v14 ^= v2; v14 = (v14 >>> 16) | (v14 << 16);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 12) | (v6 << 20);
      v2 = (v2 + v6 + m[S[s + 5]]!) | 0; v14 ^= v2; v14 = (v14 >>> 8) | (v14 << 24);
      v10 = (v10 + v14) | 0; v6 ^= v10; v6 = (v6 >>> 7) | (v6 << 25);
      v3 = (v3 + v7 + m[S[s + 6]]!) | 0; v15 ^= v3; v15 = (v15 >>> 16) | (v15 << 16);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 12) | (v7 << 20);
      v3 = (v3 + v7 + m[S[s + 7]]!) | 0; v15 ^= v3; v15 = (v15 >>> 8) | (v15 << 24);
      v11 = (v11 + v15) | 0; v7 ^= v11; v7 = (v7 >>> 7) | (v7 << 25);
      // Diagonals.
      v0 = (v0 + v5 + m[S[s + 8]]!) | 0; v15 ^= v0; v15 = (v15 >>> 16) | (v15 << 16);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 12) | (v5 << 20);
      v0 = (v0 + v5 + m[S[s + 9]]!) | 0; v15 ^= v0; v15 = (v15 >>> 8) | (v15 << 24);
      v10 = (v10 + v15) | 0; v5 ^= v10; v5 = (v5 >>> 7) | (v5 << 25);
      v1 = (v1 + v6 + m[S[s + 10]]!) | 0; v12 ^= v1; v12 = (v12 >>> 16) | (v12 << 16);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 12) | (v6 << 20);
      v1 = (v1 + v6 + m[S[s + 11]]!) | 0; v12 ^= v1; v12 = (v12 >>> 8) | (v12 << 24);
      v11 = (v11 + v12) | 0; v6 ^= v11; v6 = (v6 >>> 7) | (v6 << 25);
      v2 = (v2 + v7 + m[S[s + 12]]!) | 0; v13 ^= v2; v13 = (v13 >>> 16) | (v13 << 16);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 12) | (v7 << 20);
      v2 = (v2 + v7 + m[S[s + 13]]!) | 0; v13 ^= v2; v13 = (v13 >>> 8) | (v13 << 24);
      v8 = (v8 + v13) | 0; v7 ^= v8; v7 = (v7 >>> 7) | (v7 << 25);
      v3 = (v3 + v4 + m[S[s + 14]]!) | 0; v14 ^= v3; v14 = (v14 >>> 16) | (v14 << 16);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 12) | (v4 << 20);
      v3 = (v3 + v4 + m[S[s + 15]]!) | 0; v14 ^= v3; v14 = (v14 >>> 8) | (v14 << 24);
      v9 = (v9 + v14) | 0; v4 ^= v9; v4 = (v4 >>> 7) | (v4 << 25);
  }
  cv[at] = v0 ^ v8;
  cv[at + 1] = v1 ^ v9;
  cv[at + 2] = v2 ^ v10;
  cv[at + 3] = v3 ^ v11;
  cv[at + 4] = v4 ^ v12;
  cv[at + 5] = v5 ^ v13;
  cv[at + 6] = v6 ^ v14;
  cv[at + 7] = v7 ^ v15;
}

/** createPortableBlake3TreeKernel returns a Blake3TreeKernel in plain TypeScript; each instance owns its scratch state. */
export function createPortableBlake3TreeKernel(): Blake3TreeKernel {
  const m = new Uint32Array(16);
  const padded = new Uint8Array(BLOCK_LEN);
  const stack = new Uint32Array(MAX_DEPTH * 8);
  const right = new Uint32Array(8);

  /** loadBlock reads data[at, at + len) (len <= 64) into m as little-endian words, zero-padded. */
  const loadBlock = (data: Uint8Array, at: number, len: number): void => {
    let src = data;
    if (len < BLOCK_LEN) {
      padded.fill(0);
      for (let i = 0; i < len; i++) padded[i] = data[at + i]!;
      src = padded;
      at = 0;
    }
    for (let i = 0; i < 16; i++, at += 4) {
      m[i] = src[at]! | (src[at + 1]! << 8) | (src[at + 2]! << 16) | (src[at + 3]! << 24);
    }
  };

  const resetCv = (cv: Uint32Array, at: number): void => {
    for (let i = 0; i < 8; i++) cv[at + i] = IV[i]!;
  };

  /** chunkCv writes the CV of the chunk data[begin, end) (at most 1024 bytes) into cv[at, at + 8). */
  const chunkCv = (data: Uint8Array, begin: number, end: number, counter: number, rootFlag: number, cv: Uint32Array, at: number): void => {
    resetCv(cv, at);
    const blocks = Math.max(1, Math.ceil((end - begin) / BLOCK_LEN));
    for (let b = 0; b < blocks; b++) {
      const len = Math.min(BLOCK_LEN, end - begin - b * BLOCK_LEN);
      loadBlock(data, begin + b * BLOCK_LEN, len);
      const flags = (b === 0 ? CHUNK_START : 0) | (b === blocks - 1 ? CHUNK_END | rootFlag : 0);
      compress(cv, at, m, counter, len, flags);
    }
  };

  /** parentCv replaces cv[at, at + 8) with the parent of (stack entry `left`, cv[at, at + 8)). */
  const parentCv = (left: number, cv: Uint32Array, at: number, flags: number): void => {
    for (let i = 0; i < 8; i++) {
      m[i] = stack[8 * left + i]!;
      m[8 + i] = cv[at + i]!;
    }
    resetCv(cv, at);
    compress(cv, at, m, 0, BLOCK_LEN, flags);
  };

  const storeCv = (cv: Uint32Array, at: number, out: Uint8Array, outAt: number): void => {
    for (let i = 0; i < 8; i++, outAt += 4) {
      const w = cv[at + i]!;
      out[outAt] = w;
      out[outAt + 1] = w >>> 8;
      out[outAt + 2] = w >>> 16;
      out[outAt + 3] = w >>> 24;
    }
  };

  /**
   * subtreeCv writes the CV of the left-balanced tree over the chunks of data[begin, end), the
   * first with counter `counter`, or with `root` the standard hash. Chunk CVs go on a stack that
   * merges equal-sized subtrees as soon as they complete (after c chunks, one entry per set bit
   * of c); the last chunk is the right edge, folded into the stack from the top.
   */
  const subtreeCv = (data: Uint8Array, begin: number, end: number, counter: number, root: boolean, out: Uint8Array, outAt: number): void => {
    const chunks = Math.max(1, Math.ceil((end - begin) / CHUNK_LEN));
    let depth = 0;
    for (let c = 0; c + 1 < chunks; c++) {
      chunkCv(data, begin + c * CHUNK_LEN, begin + (c + 1) * CHUNK_LEN, counter + c, 0, stack, 8 * depth++);
      for (let done = c + 1; done % 2 === 0; done /= 2) {
        depth--;
        parentCv(depth - 1, stack, 8 * depth, PARENT);
        for (let i = 0; i < 8; i++) stack[8 * (depth - 1) + i] = stack[8 * depth + i]!;
      }
    }
    const last = chunks - 1;
    chunkCv(data, begin + last * CHUNK_LEN, end, counter + last, root && chunks === 1 ? ROOT : 0, right, 0);
    while (depth > 0) {
      depth--;
      parentCv(depth, right, 0, root && depth === 0 ? PARENT | ROOT : PARENT);
    }
    storeCv(right, 0, out, outAt);
  };

  /** parentFromBytes writes the parent of the CV pair block[at, at + 64) to out[outAt, outAt + 32). */
  const parentFromBytes = (block: Uint8Array, at: number, flags: number, out: Uint8Array, outAt: number): void => {
    loadBlock(block, at, BLOCK_LEN);
    resetCv(right, 0);
    compress(right, 0, m, 0, BLOCK_LEN, flags);
    storeCv(right, 0, out, outAt);
  };
  const pair = new Uint8Array(BLOCK_LEN);

  return {
    backend: 'node',
    kernel: 'ts-portable',
    groupChainingValues(data, groupSize, firstChunk, out) {
      const count = Math.ceil(data.length / groupSize);
      const groupChunks = groupSize / CHUNK_LEN;
      for (let g = 0; g < count; g++) {
        const begin = g * groupSize;
        subtreeCv(data, begin, Math.min(begin + groupSize, data.length), firstChunk + g * groupChunks, false, out, g * OUT_LEN);
      }
    },
    parentChainingValues(level, count, out) {
      for (let i = 0; i < count; i++) parentFromBytes(level, i * BLOCK_LEN, PARENT, out, i * OUT_LEN);
    },
    parentRoot(left, right, out) {
      pair.set(left, 0);
      pair.set(right, OUT_LEN);
      parentFromBytes(pair, 0, PARENT | ROOT, out, 0);
    },
    hash(data, out) {
      subtreeCv(data, 0, data.length, 0, true, out, 0);
    },
  };
}
