/**
 * The kernel contract (src/hash/types.ts), as one table of calls run against every kernel the
 * registry hands out here: every hash on every backend, the BLAKE3 tree kernels, and — in child
 * runs, because dispatch is fixed when the addon and the WASM module load — every native
 * SHA-256 and BLAKE3 kernel this CPU runs and both WASM builds. A good call must give the
 * oracle's digests (node:crypto, the TypeScript BLAKE3 kernel, hash-wasm's one-shot xxh128); a
 * bad call must throw InputError with exactly the row's message, the same on every backend.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { xxhash128 } from 'hash-wasm';
import { beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { _nativeBlake3Kernels } from '../../src/hash/blake3-native.js';
import { createPortableBlake3TreeKernel } from '../../src/hash/blake3-portable.js';
import { selectBlake3TreeKernel } from '../../src/hash/blake3-tree.js';
import { nativeSha256Isas } from '../../src/hash/native.js';
import { selectKernel } from '../../src/hash/registry.js';
import { kBackendNames, kHashNames, type Blake3TreeKernel, type HashKernel, type HashName } from '../../src/hash/types.js';
import { simd128Supported } from '../../src/hash/wasm-kernels.js';

const kRepoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kChild = process.env.MERKLE_CONTRACT_CHILD === '1';
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');

/** Deterministic bytes: byte i is (i * 31 + seed) mod 251. */
function bytesOf(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 31 + seed) % 251);
}

/** A Uint8Array over the same memory as `data`, from `from` (for overlap rows). */
function view(data: Uint8Array, from: number, length = data.length - from): Uint8Array {
  return new Uint8Array(data.buffer, data.byteOffset + from, length);
}

// ---------------------------------------------------------------- oracles

const portableOracle = createPortableBlake3TreeKernel();

async function oracleDigest(hash: HashName, message: Uint8Array): Promise<Uint8Array> {
  switch (hash) {
    case 'sha256':
    case 'sha3-256':
      return new Uint8Array(createHash(hash).update(message).digest());
    case 'blake3': {
      const out = new Uint8Array(32);
      portableOracle.hash(message, out);
      return out;
    }
    case 'xxh128':
      return Buffer.from(await xxhash128(message), 'hex');
  }
}

function withPrefix(prefix: number, message: Uint8Array): Uint8Array {
  return prefix < 0 ? message : new Uint8Array(Buffer.concat([Uint8Array.of(prefix), message]));
}

// ---------------------------------------------------------------- the table

type HashShape = 'hashBlocks' | 'hashSpans' | 'hashPairs';
type TreeShape = 'groupChainingValues' | 'parentChainingValues' | 'parentRoot' | 'hash';

/** What a good HashKernel call must produce: the oracle's digest of each message, in `out`. */
interface HashGood {
  args: unknown[];
  out: Uint8Array;
  messages: Uint8Array[];
  prefix: number;
  double?: boolean;
}

type HashRow =
  | { name: string; shape: HashShape; good: (d: number) => HashGood }
  | { name: string; shape: HashShape; args: (d: number) => unknown[]; error: (d: number) => string };

type TreeRow =
  | { name: string; shape: TreeShape; good: () => unknown[] }
  | { name: string; shape: TreeShape; args: () => unknown[]; error: string };

const NO_PREFIX = -1;

function blocksGood(length: number, blockSize: number, prefix: number, d: number, seed = 1): HashGood {
  const data = bytesOf(length, seed);
  const count = Math.ceil(length / blockSize);
  const out = new Uint8Array(count * d);
  const messages = Array.from({ length: count }, (_, i) => data.subarray(i * blockSize, Math.min(length, (i + 1) * blockSize)));
  return { args: [data, blockSize, prefix, out], out, messages, prefix };
}

function spansGood(data: Uint8Array, offsets: number[], prefix: number, d: number): HashGood {
  const out = new Uint8Array(Math.max(0, offsets.length - 1) * d);
  const messages = offsets.slice(1).map((end, i) => data.subarray(offsets[i]!, end));
  return { args: [data, Uint32Array.from(offsets), prefix, out], out, messages, prefix };
}

function pairsGood(count: number, prefix: number, double: boolean, d: number, inPlace = false): HashGood {
  const level = bytesOf(count * 2 * d, 7);
  const messages = Array.from({ length: count }, (_, i) => level.slice(i * 2 * d, (i + 1) * 2 * d));
  const out = inPlace ? level : new Uint8Array(count * d);
  return { args: [level, count, prefix, double, out], out, messages, prefix, double };
}

const kHashRows: HashRow[] = [
  // hashBlocks
  { name: 'hashBlocks: short last block, no prefix', shape: 'hashBlocks', good: (d) => blocksGood(100, 7, NO_PREFIX, d) },
  { name: 'hashBlocks: prefix 0', shape: 'hashBlocks', good: (d) => blocksGood(100, 7, 0, d) },
  { name: 'hashBlocks: prefix 255, one whole block', shape: 'hashBlocks', good: (d) => blocksGood(64, 64, 255, d) },
  { name: 'hashBlocks: 80 blocks of 64 bytes (full lanes)', shape: 'hashBlocks', good: (d) => blocksGood(80 * 64, 64, 1, d) },
  { name: 'hashBlocks: block larger than data', shape: 'hashBlocks', good: (d) => blocksGood(10, 4096, NO_PREFIX, d) },
  {
    name: 'hashBlocks: data a Buffer at an offset, out longer than needed',
    shape: 'hashBlocks',
    good: (d) => {
      const data = Buffer.from(bytesOf(300, 3)).subarray(17, 217);
      const out = new Uint8Array(5 * d + 11);
      const messages = Array.from({ length: 5 }, (_, i) => data.subarray(i * 40, (i + 1) * 40));
      return { args: [data, 40, 2, out], out, messages, prefix: 2 };
    },
  },
  { name: 'hashBlocks: data not bytes', shape: 'hashBlocks', args: (d) => ['abc', 4, NO_PREFIX, new Uint8Array(d)], error: () => 'hashBlocks: data must be a Uint8Array, got string "abc"' },
  { name: 'hashBlocks: data empty', shape: 'hashBlocks', args: (d) => [new Uint8Array(0), 4, NO_PREFIX, new Uint8Array(d)], error: () => 'hashBlocks: data must not be empty' },
  { name: 'hashBlocks: blockSize 0', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 0, NO_PREFIX, new Uint8Array(8 * d)], error: () => 'hashBlocks: blockSize must be an integer >= 1, got number 0' },
  { name: 'hashBlocks: blockSize 1.5', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 1.5, NO_PREFIX, new Uint8Array(8 * d)], error: () => 'hashBlocks: blockSize must be an integer >= 1, got number 1.5' },
  { name: 'hashBlocks: blockSize a string', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), '4', NO_PREFIX, new Uint8Array(8 * d)], error: () => 'hashBlocks: blockSize must be an integer >= 1, got string "4"' },
  { name: 'hashBlocks: prefix 300', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 4, 300, new Uint8Array(2 * d)], error: () => 'hashBlocks: prefix must be a byte 0..255 or NO_PREFIX (-1), got number 300' },
  { name: 'hashBlocks: prefix 256', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 4, 256, new Uint8Array(2 * d)], error: () => 'hashBlocks: prefix must be a byte 0..255 or NO_PREFIX (-1), got number 256' },
  { name: 'hashBlocks: prefix -2', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 4, -2, new Uint8Array(2 * d)], error: () => 'hashBlocks: prefix must be a byte 0..255 or NO_PREFIX (-1), got number -2' },
  { name: 'hashBlocks: prefix 0.5', shape: 'hashBlocks', args: (d) => [new Uint8Array(8), 4, 0.5, new Uint8Array(2 * d)], error: () => 'hashBlocks: prefix must be a byte 0..255 or NO_PREFIX (-1), got number 0.5' },
  { name: 'hashBlocks: out too small', shape: 'hashBlocks', args: (d) => [new Uint8Array(100), 4, NO_PREFIX, new Uint8Array(24 * d)], error: (d) => `hashBlocks: out must hold 25 digests (${25 * d} bytes), got ${24 * d} bytes` },
  { name: 'hashBlocks: out a Uint16Array', shape: 'hashBlocks', args: () => [new Uint8Array(8), 4, NO_PREFIX, new Uint16Array(32)], error: () => 'hashBlocks: out must be a Uint8Array, got Uint16Array of 64 bytes' },
  {
    name: 'hashBlocks: out overlaps data',
    shape: 'hashBlocks',
    args: (d) => {
      const shared = new Uint8Array(200 + 4 * d);
      return [view(shared, 0, 200), 50, NO_PREFIX, view(shared, 190)];
    },
    error: () => 'hashBlocks: out must not overlap data',
  },
  // hashSpans
  { name: 'hashSpans: empty and long spans, prefix 1', shape: 'hashSpans', good: (d) => spansGood(bytesOf(300, 5), [0, 0, 3, 3, 50, 300], 1, d) },
  { name: 'hashSpans: one offset, no messages', shape: 'hashSpans', good: (d) => spansGood(bytesOf(10), [4], NO_PREFIX, d) },
  { name: 'hashSpans: the empty message', shape: 'hashSpans', good: (d) => spansGood(new Uint8Array(0), [0, 0], NO_PREFIX, d) },
  { name: 'hashSpans: spans not starting at 0', shape: 'hashSpans', good: (d) => spansGood(bytesOf(500, 9), [100, 164, 229, 400], 0, d) },
  { name: 'hashSpans: data null', shape: 'hashSpans', args: (d) => [null, Uint32Array.of(0, 0), NO_PREFIX, new Uint8Array(d)], error: () => 'hashSpans: data must be a Uint8Array, got null' },
  { name: 'hashSpans: offsets an Array', shape: 'hashSpans', args: (d) => [new Uint8Array(8), [0, 1], NO_PREFIX, new Uint8Array(d)], error: () => 'hashSpans: offsets must be a Uint32Array, got Array of 2 items' },
  { name: 'hashSpans: offsets an Int32Array', shape: 'hashSpans', args: (d) => [new Uint8Array(8), Int32Array.of(0, 1), NO_PREFIX, new Uint8Array(d)], error: () => 'hashSpans: offsets must be a Uint32Array, got Int32Array of 8 bytes' },
  { name: 'hashSpans: offsets empty', shape: 'hashSpans', args: (d) => [new Uint8Array(8), new Uint32Array(0), NO_PREFIX, new Uint8Array(d)], error: () => 'hashSpans: offsets must hold at least one offset' },
  { name: 'hashSpans: offset past the end', shape: 'hashSpans', args: (d) => [new Uint8Array(8), Uint32Array.of(0, 9), NO_PREFIX, new Uint8Array(d)], error: () => 'hashSpans: offsets[1] = 9 is past the end of data (8 bytes)' },
  { name: 'hashSpans: offsets decreasing', shape: 'hashSpans', args: (d) => [new Uint8Array(10), Uint32Array.of(0, 5, 4), NO_PREFIX, new Uint8Array(2 * d)], error: () => 'hashSpans: offsets must be non-decreasing, got offsets[2] = 4 after offsets[1] = 5' },
  { name: 'hashSpans: prefix 300', shape: 'hashSpans', args: (d) => [new Uint8Array(8), Uint32Array.of(0, 8), 300, new Uint8Array(d)], error: () => 'hashSpans: prefix must be a byte 0..255 or NO_PREFIX (-1), got number 300' },
  { name: 'hashSpans: out too small', shape: 'hashSpans', args: (d) => [new Uint8Array(8), Uint32Array.of(0, 1, 2), NO_PREFIX, new Uint8Array(d)], error: (d) => `hashSpans: out must hold 2 digests (${2 * d} bytes), got ${d} bytes` },
  {
    name: 'hashSpans: out overlaps data',
    shape: 'hashSpans',
    args: (d) => {
      const shared = new Uint8Array(64 + d);
      return [view(shared, 0, 64), Uint32Array.of(0, 64), NO_PREFIX, view(shared, 32)];
    },
    error: () => 'hashSpans: out must not overlap data',
  },
  // hashPairs
  { name: 'hashPairs: no pairs', shape: 'hashPairs', good: (d) => pairsGood(0, NO_PREFIX, false, d) },
  { name: 'hashPairs: 5 pairs, prefix 1', shape: 'hashPairs', good: (d) => pairsGood(5, 1, false, d) },
  { name: 'hashPairs: 9 pairs, double', shape: 'hashPairs', good: (d) => pairsGood(9, NO_PREFIX, true, d) },
  { name: 'hashPairs: 8 pairs in place, prefix 1, double', shape: 'hashPairs', good: (d) => pairsGood(8, 1, true, d, true) },
  { name: 'hashPairs: level not bytes', shape: 'hashPairs', args: (d) => [[1, 2], 1, NO_PREFIX, false, new Uint8Array(d)], error: () => 'hashPairs: level must be a Uint8Array, got Array of 2 items' },
  { name: 'hashPairs: count -1', shape: 'hashPairs', args: (d) => [new Uint8Array(2 * d), -1, NO_PREFIX, false, new Uint8Array(d)], error: () => 'hashPairs: count must be an integer >= 0, got number -1' },
  { name: 'hashPairs: count 1.5', shape: 'hashPairs', args: (d) => [new Uint8Array(4 * d), 1.5, NO_PREFIX, false, new Uint8Array(2 * d)], error: () => 'hashPairs: count must be an integer >= 0, got number 1.5' },
  { name: 'hashPairs: level too small for count', shape: 'hashPairs', args: (d) => [new Uint8Array(2 * d), 2, NO_PREFIX, false, new Uint8Array(2 * d)], error: (d) => `hashPairs: level must hold 2 pairs (${4 * d} bytes), got ${2 * d} bytes` },
  { name: 'hashPairs: out too small', shape: 'hashPairs', args: (d) => [new Uint8Array(6 * d), 3, NO_PREFIX, false, new Uint8Array(2 * d)], error: (d) => `hashPairs: out must hold 3 digests (${3 * d} bytes), got ${2 * d} bytes` },
  {
    name: 'hashPairs: out overlaps level, not in place',
    shape: 'hashPairs',
    args: (d) => {
      const level = new Uint8Array(4 * d);
      return [level, 2, NO_PREFIX, false, view(level, d)];
    },
    error: () => 'hashPairs: out must be level itself (in place) or not overlap it',
  },
  { name: 'hashPairs: prefix 300', shape: 'hashPairs', args: (d) => [new Uint8Array(2 * d), 1, 300, false, new Uint8Array(d)], error: () => 'hashPairs: prefix must be a byte 0..255 or NO_PREFIX (-1), got number 300' },
  { name: 'hashPairs: double a number', shape: 'hashPairs', args: (d) => [new Uint8Array(2 * d), 1, NO_PREFIX, 1, new Uint8Array(d)], error: () => 'hashPairs: double must be a boolean, got number 1' },
];

const kTreeRows: TreeRow[] = [
  { name: 'groupChainingValues: 1 KiB groups, short last', shape: 'groupChainingValues', good: () => [bytesOf(5000, 2), 1024, 0, new Uint8Array(5 * 32)] },
  { name: 'groupChainingValues: 4 KiB groups, counter past 2^32', shape: 'groupChainingValues', good: () => [bytesOf(20000, 4), 4096, 2 ** 32 + 3, new Uint8Array(5 * 32)] },
  { name: 'parentChainingValues: 3 pairs', shape: 'parentChainingValues', good: () => [bytesOf(3 * 64, 6), 3, new Uint8Array(3 * 32)] },
  { name: 'parentChainingValues: 4 pairs in place', shape: 'parentChainingValues', good: () => { const level = bytesOf(4 * 64, 8); return [level, 4, level]; } },
  { name: 'parentRoot', shape: 'parentRoot', good: () => [bytesOf(32, 1), bytesOf(32, 2), new Uint8Array(32)] },
  { name: 'hash: empty', shape: 'hash', good: () => [new Uint8Array(0), new Uint8Array(32)] },
  { name: 'hash: 3000 bytes', shape: 'hash', good: () => [bytesOf(3000, 5), new Uint8Array(32)] },
  { name: 'groupChainingValues: data empty', shape: 'groupChainingValues', args: () => [new Uint8Array(0), 1024, 0, new Uint8Array(32)], error: 'groupChainingValues: data must not be empty' },
  { name: 'groupChainingValues: data a string', shape: 'groupChainingValues', args: () => ['x', 1024, 0, new Uint8Array(32)], error: 'groupChainingValues: data must be a Uint8Array, got string "x"' },
  { name: 'groupChainingValues: groupSize 1536', shape: 'groupChainingValues', args: () => [new Uint8Array(10), 1536, 0, new Uint8Array(32)], error: 'groupChainingValues: groupSize must be a power of two from 1024 to 2^30, got number 1536' },
  { name: 'groupChainingValues: groupSize 512', shape: 'groupChainingValues', args: () => [new Uint8Array(10), 512, 0, new Uint8Array(32)], error: 'groupChainingValues: groupSize must be a power of two from 1024 to 2^30, got number 512' },
  { name: 'groupChainingValues: groupSize 2^31', shape: 'groupChainingValues', args: () => [new Uint8Array(10), 2 ** 31, 0, new Uint8Array(32)], error: 'groupChainingValues: groupSize must be a power of two from 1024 to 2^30, got number 2147483648' },
  { name: 'groupChainingValues: firstChunk -1', shape: 'groupChainingValues', args: () => [new Uint8Array(10), 1024, -1, new Uint8Array(32)], error: 'groupChainingValues: firstChunk must be an integer from 0 to 9007199254740990, got number -1' },
  { name: 'groupChainingValues: firstChunk 2^53', shape: 'groupChainingValues', args: () => [new Uint8Array(10), 1024, 2 ** 53, new Uint8Array(32)], error: 'groupChainingValues: firstChunk must be an integer from 0 to 9007199254740990, got number 9007199254740992' },
  { name: 'groupChainingValues: out too small', shape: 'groupChainingValues', args: () => [new Uint8Array(3000), 1024, 0, new Uint8Array(64)], error: 'groupChainingValues: out must hold 3 chaining values (96 bytes), got 64 bytes' },
  {
    name: 'groupChainingValues: out overlaps data',
    shape: 'groupChainingValues',
    args: () => { const shared = new Uint8Array(2048); return [view(shared, 0, 2048), 1024, 0, view(shared, 1000, 64)]; },
    error: 'groupChainingValues: out must not overlap data',
  },
  { name: 'parentChainingValues: level too small', shape: 'parentChainingValues', args: () => [new Uint8Array(64), 2, new Uint8Array(64)], error: 'parentChainingValues: level must hold 2 pairs (128 bytes), got 64 bytes' },
  { name: 'parentChainingValues: out too small', shape: 'parentChainingValues', args: () => [new Uint8Array(64), 1, new Uint8Array(8)], error: 'parentChainingValues: out must hold 1 chaining value (32 bytes), got 8 bytes' },
  { name: 'parentChainingValues: count a string', shape: 'parentChainingValues', args: () => [new Uint8Array(64), '1', new Uint8Array(32)], error: 'parentChainingValues: count must be an integer >= 0, got string "1"' },
  {
    name: 'parentChainingValues: out overlaps level, not in place',
    shape: 'parentChainingValues',
    args: () => { const level = new Uint8Array(128); return [level, 2, view(level, 32)]; },
    error: 'parentChainingValues: out must be level itself (in place) or not overlap it',
  },
  { name: 'parentRoot: left 31 bytes', shape: 'parentRoot', args: () => [new Uint8Array(31), new Uint8Array(32), new Uint8Array(32)], error: 'parentRoot: left must be a 32-byte chaining value, got 31 bytes' },
  { name: 'parentRoot: right not bytes', shape: 'parentRoot', args: () => [new Uint8Array(32), undefined, new Uint8Array(32)], error: 'parentRoot: right must be a Uint8Array, got undefined' },
  { name: 'parentRoot: out too small', shape: 'parentRoot', args: () => [new Uint8Array(32), new Uint8Array(32), new Uint8Array(31)], error: 'parentRoot: out must hold 1 digest (32 bytes), got 31 bytes' },
  { name: 'hash: data null', shape: 'hash', args: () => [null, new Uint8Array(32)], error: 'hash: data must be a Uint8Array, got null' },
  { name: 'hash: out 16 bytes', shape: 'hash', args: () => [new Uint8Array(5), new Uint8Array(16)], error: 'hash: out must hold 1 digest (32 bytes), got 16 bytes' },
];

// ---------------------------------------------------------------- running a row

function invoke(kernel: object, shape: string, args: unknown[]): void {
  (kernel as Record<string, (...a: unknown[]) => void>)[shape]!(...args);
}

async function expectedDigests(hash: HashName, good: HashGood): Promise<string> {
  const digests: string[] = [];
  for (const message of good.messages) {
    let digest = await oracleDigest(hash, withPrefix(good.prefix, message));
    if (good.double) digest = await oracleDigest(hash, digest);
    digests.push(hex(digest));
  }
  return digests.join('');
}

function expectContractError(run: () => void, message: string): void {
  let thrown: unknown;
  try {
    run();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InputError);
  expect((thrown as Error).message).toBe(message);
}

/** treeOracle runs a good tree call on the plain TypeScript kernel, on copies of the arguments. */
function treeOracle(shape: TreeShape, args: unknown[]): string {
  const copies = args.map((a) => (a instanceof Uint8Array ? a.slice() : a));
  // An in-place call must stay in place in the copy.
  if (shape === 'parentChainingValues' && args[0] === args[2]) copies[2] = copies[0];
  invoke(portableOracle, shape, copies);
  return hex(copies[args.length - 1] as Uint8Array);
}

// ---------------------------------------------------------------- every kernel the registry hands out

interface Loaded<K> {
  label: string;
  kernel?: K;
  unavailable?: string;
}

async function registryKernels(): Promise<Array<Loaded<HashKernel>>> {
  const loaded: Array<Loaded<HashKernel>> = [];
  for (const hash of kHashNames) {
    for (const backend of kBackendNames) {
      const label = `${hash}/${backend}`;
      try {
        loaded.push({ label, kernel: await selectKernel(hash, backend) });
      } catch (error) {
        loaded.push({ label, unavailable: (error as Error).message });
      }
    }
  }
  return loaded;
}

async function treeKernels(): Promise<Array<Loaded<Blake3TreeKernel>>> {
  const loaded: Array<Loaded<Blake3TreeKernel>> = [];
  for (const backend of kBackendNames) {
    const label = `b3tree/${backend}`;
    try {
      loaded.push({ label, kernel: await selectBlake3TreeKernel(backend) });
    } catch (error) {
      loaded.push({ label, unavailable: (error as Error).message });
    }
  }
  return loaded;
}

// Top-level await: the kernels decide which describe blocks exist.
const kHashKernels = await registryKernels();
const kTreeKernels = await treeKernels();

for (const { label, kernel, unavailable } of kHashKernels) {
  // A hash with no kernel on a backend (node:crypto has no BLAKE3) is not a failure of the contract.
  describe.skipIf(kernel === undefined)(`${label} (${kernel?.kernel ?? `unavailable: ${unavailable}`})`, () => {
    for (const row of kHashRows) {
      it(row.name, async () => {
        const k = kernel!;
        if ('good' in row) {
          const good = row.good(k.digestSize);
          const want = await expectedDigests(k.hash, good);
          invoke(k, row.shape, good.args);
          expect(hex(good.out.subarray(0, good.messages.length * k.digestSize))).toBe(want);
        } else {
          expectContractError(() => invoke(k, row.shape, row.args(k.digestSize)), row.error(k.digestSize));
        }
      });
    }
  });
}

for (const { label, kernel, unavailable } of kTreeKernels) {
  describe.skipIf(kernel === undefined)(`${label} (${kernel?.kernel ?? `unavailable: ${unavailable}`})`, () => {
    for (const row of kTreeRows) {
      it(row.name, () => {
        if ('good' in row) {
          const args = row.good();
          const want = treeOracle(row.shape, args);
          invoke(kernel!, row.shape, args);
          expect(hex(args[args.length - 1] as Uint8Array)).toBe(want);
        } else {
          expectContractError(() => invoke(kernel!, row.shape, row.args()), row.error);
        }
      });
    }
  });
}

it('the table runs on every kernel expected here', () => {
  const ran = [...kHashKernels, ...kTreeKernels].filter((k) => k.kernel).map((k) => k.label);
  // Always available: node:crypto and the WASM kernels, and the TypeScript BLAKE3 tree kernel.
  expect(ran).toEqual(expect.arrayContaining(['sha256/node', 'sha256/wasm', 'blake3/wasm', 'sha3-256/node', 'sha3-256/wasm', 'xxh128/wasm', 'b3tree/node', 'b3tree/wasm']));
});

// ---------------------------------------------------------------- the other dispatch variants, in child runs

const kForced = {
  MERKLE_SHA256_KERNEL: process.env.MERKLE_SHA256_KERNEL,
  MERKLE_BLAKE3_KERNEL: process.env.MERKLE_BLAKE3_KERNEL,
  MERKLE_WASM: process.env.MERKLE_WASM,
};

describe.skipIf(!kChild)('a child run uses the variants it was given', () => {
  const find = (label: string) => [...kHashKernels, ...kTreeKernels].find((k) => k.label === label)?.kernel;
  it.skipIf(!kForced.MERKLE_SHA256_KERNEL)(`native SHA-256 is ${kForced.MERKLE_SHA256_KERNEL}`, () => {
    expect((find('sha256/native') as { isa?: string } | undefined)?.isa).toBe(kForced.MERKLE_SHA256_KERNEL);
  });
  it.skipIf(!kForced.MERKLE_BLAKE3_KERNEL)(`native BLAKE3 is ${kForced.MERKLE_BLAKE3_KERNEL}`, () => {
    const name = _nativeBlake3Kernels().find((k) => k.id === kForced.MERKLE_BLAKE3_KERNEL)?.name;
    expect(find('blake3/native')?.kernel).toBe(name);
    expect(find('b3tree/native')?.kernel).toBe(name);
  });
  it.skipIf(!kForced.MERKLE_WASM)(`the WASM build is ${kForced.MERKLE_WASM}`, () => {
    expect(find('sha256/wasm')?.kernel).toMatch(new RegExp(`^wasm-${kForced.MERKLE_WASM}`));
    expect(find('b3tree/wasm')?.kernel).toMatch(new RegExp(`^wasm-${kForced.MERKLE_WASM}`));
  });
});

/**
 * childVariants lists the variant sets the children run: every native kernel and WASM build
 * this machine has, minus the ones this process already ran, zipped so that each child forces
 * one SHA-256 kernel, one BLAKE3 kernel and one WASM build at once.
 */
function childVariants(): Array<Record<string, string>> {
  const label = (l: string) => [...kHashKernels, ...kTreeKernels].find((k) => k.label === l)?.kernel;
  const sha256Here = (label('sha256/native') as { isa?: string } | undefined)?.isa;
  const blake3Here = label('blake3/native')?.kernel;
  const wasmHere = label('sha256/wasm')?.kernel;
  const sha256 = nativeSha256Isas().filter((isa) => isa !== sha256Here);
  const blake3 = _nativeBlake3Kernels().filter((k) => k.supported && k.name !== blake3Here).map((k) => k.id);
  const wasm = (simd128Supported() ? ['simd128', 'scalar'] : ['scalar']).filter((v) => !wasmHere?.startsWith(`wasm-${v}`));
  const children: Array<Record<string, string>> = [];
  for (let i = 0; i < Math.max(sha256.length, blake3.length, wasm.length); i++) {
    const env: Record<string, string> = {};
    if (sha256[i]) env.MERKLE_SHA256_KERNEL = sha256[i]!;
    if (blake3[i]) env.MERKLE_BLAKE3_KERNEL = blake3[i]!;
    if (wasm[i]) env.MERKLE_WASM = wasm[i]!;
    children.push(env);
  }
  return children;
}

describe.skipIf(kChild)('the table on every other dispatch variant (child runs)', () => {
  let variants: Array<Record<string, string>> = [];
  beforeAll(() => {
    variants = childVariants();
  });

  it('runs each variant set in a child vitest, every row passing', () => {
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) {
      const env: NodeJS.ProcessEnv = { ...process.env, ...variant, MERKLE_CONTRACT_CHILD: '1', NO_COLOR: '1', FORCE_COLOR: '0' };
      delete env.MERKLE_KERNEL;
      for (const name of ['MERKLE_SHA256_KERNEL', 'MERKLE_BLAKE3_KERNEL', 'MERKLE_WASM']) if (!(name in variant)) delete env[name];
      const result = spawnSync('npx', ['vitest', 'run', 'test/contract/kernel-contract.test.ts', '--project', 'default', '--reporter=dot'], {
        cwd: kRepoRoot,
        env,
        encoding: 'utf8',
        timeout: 120_000,
      });
      const output = `${result.stdout}${result.stderr}`;
      expect(result.status, `${JSON.stringify(variant)}\n${output}`).toBe(0);
      expect(output, JSON.stringify(variant)).toMatch(/Tests\s+\d{3,} passed/);
      expect(output, JSON.stringify(variant)).not.toMatch(/failed/);
    }
  }, 600_000);
});
