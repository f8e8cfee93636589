/**
 * The project's WASM kernels (both builds) against independent oracles: node:crypto for SHA-256,
 * hash-wasm for BLAKE3, the official vector files, real Bitcoin blocks, and a test-only BLAKE3
 * compression function for chunk counters past 2^32 (which no oracle lets us set).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createBLAKE3 } from 'hash-wasm';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Blake3TreeKernel, HashKernel } from '../src/hash/types.js';
import { wasmBlake3TreeKernel, wasmKernel } from '../src/hash/wasm.js';
import {
  defaultWasmVariant, loadWasmKernels, simd128Supported, type WasmKernelSet, type WasmVariant,
} from '../src/hash/wasm-kernels.js';
import type { BitcoinBlocks } from './helpers/vectors.js';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kVectors = path.resolve(kRepoRoot, 'test', 'vectors');
const readVectors = (name: string): any => JSON.parse(readFileSync(path.join(kVectors, name), 'utf8'));

/** Input capacity of one module call (wasm/assembly/layout.ts): larger messages take the streaming path. */
const kCapacity = 8 << 20;
const kBoundaryLengths = [55, 56, 63, 64, 65, 119, 120, 127, 128, 1023, 1024, 1025, 2048, 3 * 1024 + 1, 4095, 4096, 4097];
const kCounts = [...Array.from({ length: 37 }, (_, i) => i + 1), 1000];

const hashWasmBlake3 = await createBLAKE3();

function withPrefix(message: Uint8Array, prefix: number): Uint8Array {
  return prefix < 0 ? message : Buffer.concat([Uint8Array.of(prefix), message]);
}

const refOracles = {
  sha256(message: Uint8Array, prefix: number): Uint8Array {
    return createHash('sha256').update(withPrefix(message, prefix)).digest();
  },
  blake3(message: Uint8Array, prefix: number): Uint8Array {
    hashWasmBlake3.init();
    hashWasmBlake3.update(withPrefix(message, prefix));
    return hashWasmBlake3.digest('binary');
  },
};

/** A deterministic pseudo-random buffer (seeded xorshift) so failures reproduce. */
function seededBytes(length: number, seed: number): Uint8Array {
  const bytes = new Uint8Array(length);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    bytes[i] = x & 0xff;
  }
  return bytes;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Expects out[32i, 32i + 32) to be oracle(message i) for every i; reports the first mismatch by index. */
function expectDigests(out: Uint8Array, messages: Uint8Array[], oracle: (m: Uint8Array) => Uint8Array, what: string): void {
  for (let i = 0; i < messages.length; i++) {
    const got = hex(out.subarray(32 * i, 32 * i + 32));
    if (got !== hex(oracle(messages[i]!))) expect.fail(`${what}: message ${i} (${messages[i]!.length} bytes) got ${got}`);
  }
}

function blocksOf(data: Uint8Array, blockSize: number): Uint8Array[] {
  const blocks: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += blockSize) blocks.push(data.subarray(at, at + blockSize));
  return blocks;
}

const kVariants: WasmVariant[] = ['simd128', 'scalar'];

describe.each(kVariants)('WASM kernels, %s build', (variant) => {
  const skip = variant === 'simd128' && !simd128Supported();
  let set: WasmKernelSet;
  beforeAll(async () => {
    if (!skip) set = await loadWasmKernels(variant);
  });

  describe.skipIf(skip)('kernel identity', () => {
    it('names the backend and the build', () => {
      const name = variant === 'simd128' ? 'wasm-simd128-x4' : 'wasm-scalar';
      for (const kernel of [set.sha256, set.blake3]) {
        expect(kernel.backend).toBe('wasm');
        expect(kernel.kernel).toBe(name);
        expect(kernel.digestSize).toBe(32);
      }
      expect(set.blake3Tree.kernel).toBe(name);
    });
  });

  for (const hash of ['sha256', 'blake3'] as const) {
    describe.skipIf(skip)(hash, () => {
      const kernel = (): HashKernel => set[hash];
      const oracle = refOracles[hash];

      it.each([-1, 0x00, 0x5a])('hashSpans: every length 0…300 and the boundary lengths in one batch (prefix %i)', (prefix) => {
        const lengths = [...Array.from({ length: 301 }, (_, i) => i), ...kBoundaryLengths, 0, 64, 1];
        const offsets = new Uint32Array(lengths.length + 1);
        for (let i = 0; i < lengths.length; i++) offsets[i + 1] = offsets[i]! + lengths[i]!;
        const data = seededBytes(offsets[lengths.length]!, 7 + prefix);
        const out = new Uint8Array(32 * lengths.length);
        kernel().hashSpans(data, offsets, prefix, out);
        const messages = lengths.map((_, i) => data.subarray(offsets[i]!, offsets[i + 1]!));
        expectDigests(out, messages, (m) => oracle(m, prefix), `spans prefix ${prefix}`);
      });

      it.each([1, 55, 56, 63, 64, 65, 120, 1023, 1024, 1025, 4097])(
        'hashBlocks: block size %i, counts 1…37 and 1000, last block short, with and without prefix',
        (blockSize) => {
          for (const count of kCounts) {
            for (const prefix of [-1, 1]) {
              const length = count * blockSize - (blockSize > 1 ? count % blockSize : 0);
              const data = seededBytes(length, count * 31 + blockSize);
              const out = new Uint8Array(32 * Math.ceil(length / blockSize));
              kernel().hashBlocks(data, blockSize, prefix, out);
              expectDigests(out, blocksOf(data, blockSize), (m) => oracle(m, prefix), `blocks ${blockSize}×${count} prefix ${prefix}`);
            }
          }
        },
      );

      it.each(kBoundaryLengths)('hashBlocks: block size %i, counts 1…9', (blockSize) => {
        for (let count = 1; count <= 9; count++) {
          const data = seededBytes(count * blockSize - 1, count + blockSize);
          const out = new Uint8Array(32 * count);
          kernel().hashBlocks(data, blockSize, 0, out);
          expectDigests(out, blocksOf(data, blockSize), (m) => oracle(m, 0), `blocks ${blockSize}×${count}`);
        }
      });

      it('hashPairs: counts 1…37 and 1000, with and without prefix, single and double', () => {
        for (const count of kCounts) {
          const level = seededBytes(64 * count + 32, count);
          for (const prefix of [-1, 1]) {
            for (const double of [false, true]) {
              const out = new Uint8Array(32 * count);
              kernel().hashPairs(level, count, prefix, double, out);
              const pairs = Array.from({ length: count }, (_, i) => level.subarray(64 * i, 64 * i + 64));
              const once = (m: Uint8Array): Uint8Array => oracle(m, prefix);
              expectDigests(out, pairs, double ? (m) => oracle(once(m), -1) : once, `pairs ${count} prefix ${prefix} double ${double}`);
            }
          }
        }
      });

      it('cuts batches larger than one module call (more messages, more bytes)', () => {
        const spans = 9000;
        const offsets = new Uint32Array(spans + 1);
        for (let i = 0; i < spans; i++) offsets[i + 1] = offsets[i]! + (i % 97);
        const data = seededBytes(offsets[spans]!, 3);
        const out = new Uint8Array(32 * spans);
        kernel().hashSpans(data, offsets, -1, out);
        expectDigests(out, Array.from({ length: spans }, (_, i) => data.subarray(offsets[i]!, offsets[i + 1]!)), (m) => oracle(m, -1), 'many spans');

        const big = seededBytes(kCapacity + 3 * 65536 + 5, 4);
        const blocksOut = new Uint8Array(32 * Math.ceil(big.length / 65536));
        kernel().hashBlocks(big, 65536, 0, blocksOut);
        expectDigests(blocksOut, blocksOf(big, 65536), (m) => oracle(m, 0), 'bytes beyond one call');
      });

      it('streams messages larger than the module input region', () => {
        const data = seededBytes(kCapacity + 1000, 5);
        for (const prefix of [-1, 0]) {
          const out = new Uint8Array(64);
          // One span larger than the region, then a small one after it.
          kernel().hashSpans(data, new Uint32Array([0, data.length - 10, data.length]), prefix, out);
          expectDigests(out, [data.subarray(0, data.length - 10), data.subarray(data.length - 10)], (m) => oracle(m, prefix), `large span prefix ${prefix}`);
          const single = new Uint8Array(32);
          kernel().hashBlocks(data, data.length, prefix, single);
          expect(hex(single)).toBe(hex(oracle(data, prefix)));
        }
      });
    });
  }

  describe.skipIf(skip)('official vectors', () => {
    it('SHA-256: FIPS 180-2 examples', () => {
      const { vectors } = readVectors('sha256_vectors.json');
      for (const v of vectors) {
        const message = Buffer.from(v.message_ascii.repeat(v.repeat), 'ascii');
        const out = new Uint8Array(32);
        set.sha256.hashSpans(message, new Uint32Array([0, message.length]), -1, out);
        expect(hex(out), v.id).toBe(v.sha256);
      }
    });

    it('BLAKE3: 35 official lengths (input byte i % 251), as leaves and through the tree kernel', () => {
      const { cases } = readVectors('blake3_test_vectors.json');
      expect(cases).toHaveLength(35);
      for (const c of cases) {
        const input = Uint8Array.from({ length: c.input_len }, (_, i) => i % 251);
        const want = c.hash.slice(0, 64);
        const out = new Uint8Array(32);
        set.blake3.hashSpans(input, new Uint32Array([0, input.length]), -1, out);
        expect(hex(out), `length ${c.input_len}`).toBe(want);
        set.blake3Tree.hash(input, out);
        expect(hex(out), `tree hash, length ${c.input_len}`).toBe(want);
      }
    });
  });

  describe.skipIf(skip)('BLAKE3 chaining values', () => {
    const tree = (): Blake3TreeKernel => set.blake3Tree;

    /** refRootFromGroups builds the root from group CVs the way the b3tree profile does. */
    function rootFromGroups(data: Uint8Array, groupSize: number): string {
      const groups = Math.ceil(data.length / groupSize);
      const out = new Uint8Array(32);
      if (groups === 1) {
        tree().hash(data, out);
        return hex(out);
      }
      let level = new Uint8Array(32 * groups);
      tree().groupChainingValues(data, groupSize, 0, level);
      while (level.length > 64) {
        const count = level.length / 32;
        const next = new Uint8Array(32 * Math.ceil(count / 2));
        tree().parentChainingValues(level, Math.floor(count / 2), next);
        if (count % 2 === 1) next.set(level.subarray(32 * (count - 1)), 32 * Math.floor(count / 2));
        level = next;
      }
      tree().parentRoot(level.subarray(0, 32), level.subarray(32, 64), out);
      return hex(out);
    }

    it.each([
      [1024, 1025], [1024, 5 * 1024], [1024, 7 * 1024 + 13], [2048, 2049], [2048, 9 * 1024],
      [4096, 100_000], [65536, 1_000_000], [1 << 20, 3 * (1 << 20) + 77],
    ])('group size %i, %i bytes: group CVs + parent CVs + parentRoot = blake3(data)', (groupSize, length) => {
      const data = seededBytes(length, groupSize ^ length);
      expect(rootFromGroups(data, groupSize)).toBe(hex(refOracles.blake3(data, -1)));
    });

    it('groups larger than the module input region', () => {
      const data = seededBytes(2 * (16 << 20) + 4097, 9);
      expect(rootFromGroups(data, 16 << 20)).toBe(hex(refOracles.blake3(data, -1)));
    });

    it('batches of more parents than one call takes', () => {
      const data = seededBytes(20_000 * 1024 + 1, 11);
      expect(rootFromGroups(data, 1024)).toBe(hex(refOracles.blake3(data, -1)));
    });

    it('chunk counters past 2^32 match a reference compression function', () => {
      for (const [firstChunk, chunks, groupSize] of [
        [2 ** 32 - 2, 4, 1024], [2 ** 32 - 2, 4, 4096], [2 ** 32 + 5, 1, 1024], [2 ** 40 + 3, 3, 4096], [2 ** 33 - 3, 6, 2048],
      ] as const) {
        const data = seededBytes(chunks * 1024 - 100, firstChunk % 1000);
        const groups = Math.ceil(data.length / groupSize);
        const out = new Uint8Array(32 * groups);
        tree().groupChainingValues(data, groupSize, firstChunk, out);
        const want = refGroupChainingValues(data, groupSize, firstChunk);
        expect(hex(out), `first chunk ${firstChunk}, group ${groupSize}`).toBe(want.map(hex).join(''));
      }
    });
  });

  describe.skipIf(skip)('Bitcoin blocks through hashPairs with double', () => {
    const { blocks }: BitcoinBlocks = readVectors('bitcoin_blocks.json');
    it.each(blocks.map((b: any) => [b.network, b.height ?? 'unknown', b] as const))('%s block %s', (_net, _height, block: any) => {
      // Display order is byte-reversed: reverse each txid into internal order.
      let level: Uint8Array = Buffer.concat(block.txids.map((id: string) => Buffer.from(id, 'hex').reverse()));
      while (level.length > 32) {
        let count = level.length / 32;
        if (count % 2 === 1) {
          level = Buffer.concat([level, level.subarray(32 * (count - 1))]); // a lone node pairs with itself
          count++;
        }
        const next = new Uint8Array(32 * (count / 2));
        set.sha256.hashPairs(level, count / 2, -1, true, next);
        level = next;
      }
      expect(Buffer.from(level).reverse().toString('hex')).toBe(block.merkleroot);
    });
  });
});

describe('variant selection', () => {
  const saved = process.env['MERKLE_WASM'];
  afterEach(() => {
    if (saved === undefined) delete process.env['MERKLE_WASM'];
    else process.env['MERKLE_WASM'] = saved;
  });

  it('MERKLE_WASM=scalar forces the scalar build; unset picks SIMD128 where the engine has it', () => {
    process.env['MERKLE_WASM'] = 'scalar';
    expect(defaultWasmVariant()).toBe('scalar');
    delete process.env['MERKLE_WASM'];
    expect(defaultWasmVariant()).toBe(simd128Supported() ? 'simd128' : 'scalar');
  });

  it('the SIMD probe agrees with the engine about the real SIMD128 module', () => {
    const simdModule = readFileSync(path.join(kRepoRoot, 'dist', 'wasm', 'merkle-simd128.wasm'));
    const validate = (globalThis as unknown as { WebAssembly: { validate(b: Uint8Array): boolean } }).WebAssembly.validate;
    expect(simd128Supported()).toBe(validate(simdModule));
  });

  it('each worker thread instantiates its own modules and gets the same digests', async () => {
    const url = new URL('../dist/hash/wasm-kernels.js', import.meta.url).href;
    const source = `
      const { parentPort } = require('node:worker_threads');
      import(${JSON.stringify(url)}).then(async ({ loadWasmKernels }) => {
        const set = await loadWasmKernels();
        const data = new Uint8Array(5000).map((_, i) => i % 251);
        const out = new Uint8Array(64);
        set.sha256.hashBlocks(data, 4096, 0, out);
        parentPort.postMessage(Buffer.from(out).toString('hex'));
      });`;
    const results = await Promise.all([0, 1].map(() => new Promise<string>((resolve, reject) => {
      const worker = new Worker(source, { eval: true });
      worker.once('message', (message: string) => { resolve(message); void worker.terminate(); });
      worker.once('error', reject);
    })));
    const data = new Uint8Array(5000).map((_, i) => i % 251);
    const want = hex(refOracles.sha256(data.subarray(0, 4096), 0)) + hex(refOracles.sha256(data.subarray(4096), 0));
    expect(results).toEqual([want, want]);
  });

  it('rejects an unknown MERKLE_WASM value, naming it', () => {
    process.env['MERKLE_WASM'] = 'avx';
    expect(() => defaultWasmVariant()).toThrow(/MERKLE_WASM must be simd128, scalar or auto, got "avx"/);
    // The loader returns a promise, so it rejects instead of throwing.
    return expect(loadWasmKernels()).rejects.toThrow(/MERKLE_WASM must be/);
  });

  it('the wasm backend runs the own kernels for sha256/blake3 and hash-wasm for sha3-256/xxh128', async () => {
    const want = defaultWasmVariant() === 'simd128' ? 'wasm-simd128-x4' : 'wasm-scalar';
    expect((await wasmKernel('sha256')).kernel).toBe(want);
    expect((await wasmKernel('blake3')).kernel).toBe(want);
    expect((await wasmBlake3TreeKernel()).kernel).toBe(want);
    expect((await wasmKernel('sha3-256')).kernel).toBe('hash-wasm');
    const xxh = await wasmKernel('xxh128');
    expect(xxh.kernel).toBe('hash-wasm');
    expect(xxh.digestSize).toBe(16);
  });
});

// Test-only reference BLAKE3 pieces (straight from the spec, one word at a time), used where no
// oracle can be told a chunk counter.

const kRefIv = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
const kRefPermutation = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];

function refCompress(cv: number[], block: Uint8Array, counter: number, blockLength: number, flags: number): number[] {
  const m = Array.from({ length: 16 }, (_, i) => block[4 * i]! | (block[4 * i + 1]! << 8) | (block[4 * i + 2]! << 16) | (block[4 * i + 3]! << 24));
  const v = [...cv, ...kRefIv.slice(0, 4), counter % 2 ** 32, Math.floor(counter / 2 ** 32), blockLength, flags].map((x) => x >>> 0);
  const rotr = (x: number, n: number): number => ((x >>> n) | (x << (32 - n))) >>> 0;
  const g = (a: number, b: number, c: number, d: number, x: number, y: number): void => {
    v[a] = (v[a]! + v[b]! + x) >>> 0; v[d] = rotr(v[d]! ^ v[a]!, 16);
    v[c] = (v[c]! + v[d]!) >>> 0; v[b] = rotr(v[b]! ^ v[c]!, 12);
    v[a] = (v[a]! + v[b]! + y) >>> 0; v[d] = rotr(v[d]! ^ v[a]!, 8);
    v[c] = (v[c]! + v[d]!) >>> 0; v[b] = rotr(v[b]! ^ v[c]!, 7);
  };
  let words = m;
  for (let round = 0; round < 7; round++) {
    g(0, 4, 8, 12, words[0]!, words[1]!); g(1, 5, 9, 13, words[2]!, words[3]!);
    g(2, 6, 10, 14, words[4]!, words[5]!); g(3, 7, 11, 15, words[6]!, words[7]!);
    g(0, 5, 10, 15, words[8]!, words[9]!); g(1, 6, 11, 12, words[10]!, words[11]!);
    g(2, 7, 8, 13, words[12]!, words[13]!); g(3, 4, 9, 14, words[14]!, words[15]!);
    words = kRefPermutation.map((p) => words[p]!);
  }
  return Array.from({ length: 8 }, (_, i) => (v[i]! ^ v[i + 8]!) >>> 0);
}

function refChunkCv(chunk: Uint8Array, counter: number): number[] {
  let cv = kRefIv;
  const blocks = Math.max(1, Math.ceil(chunk.length / 64));
  for (let b = 0; b < blocks; b++) {
    const block = new Uint8Array(64);
    const bytes = chunk.subarray(64 * b, 64 * b + 64);
    block.set(bytes);
    cv = refCompress(cv, block, counter, bytes.length, (b === 0 ? 1 : 0) | (b === blocks - 1 ? 2 : 0));
  }
  return cv;
}

function refParentCv(left: number[], right: number[]): number[] {
  const block = new Uint8Array(64);
  const view = new DataView(block.buffer);
  [...left, ...right].forEach((word, i) => view.setUint32(4 * i, word, true));
  return refCompress(kRefIv, block, 0, 64, 4);
}

function refGroupChainingValues(data: Uint8Array, groupSize: number, firstChunk: number): Uint8Array[] {
  const cvs: Uint8Array[] = [];
  for (let at = 0; at < data.length; at += groupSize) {
    const group = data.subarray(at, at + groupSize);
    let level = blocksOf(group, 1024).map((chunk, i) => refChunkCv(chunk, firstChunk + at / 1024 + i));
    while (level.length > 1) {
      const next: number[][] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(refParentCv(level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    const bytes = new Uint8Array(32);
    const view = new DataView(bytes.buffer);
    level[0]!.forEach((word, i) => view.setUint32(4 * i, word, true));
    cvs.push(bytes);
  }
  return cvs;
}

it('the reference compression function is itself right: it reproduces blake3 of 3 chunks', () => {
  const data = seededBytes(2500, 1);
  const [a, b, c] = blocksOf(data, 1024).map((chunk, i) => refChunkCv(chunk, i));
  const left = refParentCv(a!, b!);
  const block = new Uint8Array(64);
  const view = new DataView(block.buffer);
  [...left, ...c!].forEach((word, i) => view.setUint32(4 * i, word, true));
  const root = refCompress(kRefIv, block, 0, 64, 4 | 8);
  const bytes = new Uint8Array(32);
  root.forEach((word, i) => new DataView(bytes.buffer).setUint32(4 * i, word, true));
  expect(hex(bytes)).toBe(hex(refOracles.blake3(data, -1)));
});

