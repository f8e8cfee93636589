import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree, type BuiltTree } from '../src/api/build.js';
import { diffTrees } from '../src/api/diff.js';
import { IncompatibleTreesError } from '../src/errors.js';
import { openTree } from '../src/api/open-tree.js';
import { comparableNodes, diffPlan, type IndexRange } from '../src/tree/diff.js';
import { levelCount, levelSizes } from '../src/tree/levels.js';
import type { ProfileName } from '../src/tree/profile.js';
import type { HashName } from '../src/hash/types.js';
import { merkle } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const randomBytesOf = (length: number, random: () => number): Uint8Array => randomBytes(random, length);

const kSeed = 0xd1ff;

/** refDifferingLeaves compares leaf hashes one by one: the oracle for the common prefix. */
function refDifferingLeaves(a: BuiltTree, b: BuiltTree): number[] {
  const d = a.root.length;
  const out: number[] = [];
  for (let i = 0; i < Math.min(a.size, b.size); i++) {
    if (Buffer.compare(a.levels!.levels[0]!.subarray(i * d, (i + 1) * d), b.levels!.levels[0]!.subarray(i * d, (i + 1) * d)) !== 0) out.push(i);
  }
  return out;
}

/** Nodes in the level array of a tree of `size` leaves: no walk compares more. */
const totalNodes = (size: number) => levelSizes(size).reduce((sum, n) => sum + n, 0);

const expand = (ranges: readonly IndexRange[]) => ranges.flatMap((r) => Array.from({ length: r.end - r.begin }, (_, k) => r.begin + k));

/** Changes one byte in each of `k` distinct random blocks; returns the blocks changed, sorted. */
function changeBlocks(data: Uint8Array, blockSize: number, k: number, random: () => number): number[] {
  const blocks = Math.ceil(data.length / blockSize);
  const chosen = new Set<number>();
  while (chosen.size < Math.min(k, blocks)) chosen.add(Math.floor(random() * blocks));
  for (const block of chosen) {
    const at = block * blockSize + Math.floor(random() * Math.min(blockSize, data.length - block * blockSize));
    data[at]! ^= 1 + Math.floor(random() * 255);
  }
  return [...chosen].sort((x, y) => x - y);
}

const kKinds: { profile: ProfileName; hash: HashName; blockSize: number }[] = [
  { profile: 'rfc9162', hash: 'sha256', blockSize: 64 },
  { profile: 'classic', hash: 'sha256', blockSize: 64 },
  { profile: 'b3tree', hash: 'blake3', blockSize: 1024 },
];

const build = (data: Uint8Array, kind: (typeof kKinds)[number]) => buildTree(data, { profile: kind.profile, hash: kind.hash, blockSize: kind.blockSize, keepLevels: true });

describe.each(kKinds)('diffTrees, $profile', (kind) => {
  const leaves = 1000;
  it.each([0, 1, 50, leaves])('finds exactly the %i changed blocks, with O(k log n) compares', async (k) => {
    const random = seededRandom(kSeed + k);
    const data = randomBytesOf(leaves * kind.blockSize, random);
    const changed = data.slice();
    const blocks = changeBlocks(changed, kind.blockSize, k, random);
    const [a, b] = await Promise.all([build(data, kind), build(changed, kind)]);
    const result = await diffTrees(a, b);
    expect(expand(result.ranges)).toEqual(blocks);
    expect(result.equal).toBe(k === 0);
    expect(result.added).toBeUndefined();
    expect(result.removed).toBeUndefined();
    // Each differing leaf costs at most a node and its sibling per level, plus the root.
    expect(result.nodesCompared).toBeLessThanOrEqual(Math.min(2 * k * levelCount(leaves) + 1, totalNodes(leaves)));
    if (k === 1) expect(result.nodesCompared).toBeLessThanOrEqual(2 * levelCount(leaves));
  });

  it('merges adjacent differing leaves into one range', async () => {
    const data = randomBytesOf(64 * kind.blockSize, seededRandom(kSeed));
    const changed = data.slice();
    for (const block of [3, 4, 5, 9, 63]) changed[block * kind.blockSize]! ^= 0xff;
    const result = await diffTrees(await build(data, kind), await build(changed, kind));
    expect(result.ranges).toEqual([
      { begin: 3, end: 6 },
      { begin: 9, end: 10 },
      { begin: 63, end: 64 },
    ]);
  });

  // Sizes around powers of two, where the lone-node rules change the shape of the tail.
  const sizePairs: [number, number][] = [
    [0, 5],
    [1, 2],
    [4, 8],
    [8, 9],
    [16, 17],
    [31, 32],
    [32, 33],
    [100, 37],
    [128, 1],
    [255, 256],
    [513, 1000],
  ];
  it.each(sizePairs)('sizes %i vs %i: the common prefix compared, the tail added or removed', async (sizeA, sizeB) => {
    const random = seededRandom(kSeed + sizeA * 7919 + sizeB);
    const longest = randomBytesOf(Math.max(sizeA, sizeB) * kind.blockSize, random);
    const dataA = longest.slice(0, sizeA * kind.blockSize);
    const dataB = longest.slice(0, sizeB * kind.blockSize);
    const k = Math.min(3, Math.min(sizeA, sizeB));
    const changed = changeBlocks(dataB.subarray(0, Math.min(sizeA, sizeB) * kind.blockSize), kind.blockSize, k, random);
    const [a, b] = await Promise.all([build(dataA, kind), build(dataB, kind)]);
    const result = await diffTrees(a, b);
    expect(expand(result.ranges)).toEqual(changed);
    expect(expand(result.ranges)).toEqual(refDifferingLeaves(a, b));
    expect(result.added).toEqual(sizeB > sizeA ? { begin: sizeA, end: sizeB } : undefined);
    expect(result.removed).toEqual(sizeA > sizeB ? { begin: sizeB, end: sizeA } : undefined);
    expect(result.equal).toBe(false);
    const levels = levelCount(Math.max(sizeA, sizeB));
    expect(result.nodesCompared).toBeLessThanOrEqual(2 * (k + 1) * levels + 1);
  });

  it('a short last block differs from the full block in the longer tree', async () => {
    const data = randomBytesOf(10 * kind.blockSize, seededRandom(kSeed));
    const a = await build(data.subarray(0, 9 * kind.blockSize + 1), kind);
    const b = await build(data, kind);
    const result = await diffTrees(a, b);
    expect(result.ranges).toEqual([{ begin: 9, end: 10 }]);
    expect(result.added).toBeUndefined();
  });
});

describe('diffTrees equals the leaf-by-leaf oracle', () => {
  // 40 random pairs per rule: random sizes (0..300), random changes, random short last blocks.
  it.each(['rfc9162', 'classic'] as const)('%s, 40 random pairs of sizes and changes', async (profile) => {
    const random = seededRandom(kSeed ^ (profile === 'classic' ? 0xc1 : 0x91));
    for (let round = 0; round < 40; round++) {
      const sizeA = Math.floor(random() * 300);
      const sizeB = random() < 0.3 ? sizeA : Math.floor(random() * 300);
      const longest = randomBytesOf(Math.max(sizeA, sizeB) * 16, random);
      const dataA = longest.slice(0, Math.max(0, sizeA * 16 - (random() < 0.3 ? 5 : 0)));
      const dataB = longest.slice(0, sizeB * 16);
      changeBlocks(dataB, 16, Math.floor(random() * 6), random);
      const [a, b] = await Promise.all([buildTree(dataA, { profile, blockSize: 16 }), buildTree(dataB, { profile, blockSize: 16 })]);
      const result = await diffTrees(a, b);
      const where = `round ${round}: sizes ${a.size} and ${b.size}`;
      expect(expand(result.ranges), where).toEqual(refDifferingLeaves(a, b));
      expect(result.equal, where).toBe(Buffer.compare(a.root, b.root) === 0 && a.size === b.size);
    }
  });
});

describe('diffPlan', () => {
  it('never compares a tree top that BLAKE3 flags as root against an inner node', () => {
    const flagged = { sizeA: 4, sizeB: 8, lone: 'carry', rootFlagged: true } as const;
    expect(comparableNodes(2, 0, flagged)).toBe(false);
    expect(comparableNodes(2, 0, { ...flagged, rootFlagged: false })).toBe(true);
    expect(comparableNodes(1, 1, flagged)).toBe(true);
    expect(comparableNodes(3, 0, { ...flagged, sizeA: 8 })).toBe(true);
    // Partial nodes (reaching the end of the shorter tree) are never comparable across sizes.
    expect(comparableNodes(1, 2, { sizeA: 5, sizeB: 6, lone: 'duplicate', rootFlagged: false })).toBe(false);
    expect(comparableNodes(0, 4, { sizeA: 5, sizeB: 6, lone: 'duplicate', rootFlagged: false })).toBe(true);
  });

  it('asks nothing when one tree is empty and reports the other as the tail', () => {
    const plan = diffPlan({ sizeA: 0, sizeB: 7, lone: 'carry', rootFlagged: false }, 32);
    const step = plan.next();
    expect(step.done).toBe(true);
    expect(step.value).toEqual({ ranges: [], added: { begin: 0, end: 7 }, nodesCompared: 0 });
  });

  it('requests each level once, top-down, in merged runs', () => {
    const plan = diffPlan({ sizeA: 16, sizeB: 16, lone: 'carry', rootFlagged: false }, 1);
    const levels: number[] = [];
    let step = plan.next();
    while (!step.done) {
      levels.push(step.value.level);
      const count = step.value.ranges.reduce((sum, r) => sum + r.end - r.begin, 0);
      // Every node differs: tree A all zeros, tree B all ones.
      step = plan.next({ a: new Uint8Array(count), b: new Uint8Array(count).fill(1) });
    }
    expect(levels).toEqual([4, 3, 2, 1, 0]);
    expect(step.value.ranges).toEqual([{ begin: 0, end: 16 }]);
    expect(step.value.nodesCompared).toBe(31);
  });

  it('rejects an answer of the wrong length', () => {
    const plan = diffPlan({ sizeA: 4, sizeB: 4, lone: 'carry', rootFlagged: false }, 32);
    plan.next();
    expect(() => plan.next({ a: new Uint8Array(31), b: new Uint8Array(32) })).toThrow(/level 2 answer holds 31 and 32 bytes, want 32 each/);
  });
});

describe('diffTrees over tree files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'merkle-diff-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('gives the in-memory answer with one positioned read per level and tree for one change', async () => {
    const random = seededRandom(kSeed);
    const data = randomBytesOf(4096 * 16, random);
    const changed = data.slice();
    changed[1234 * 16]! ^= 1;
    const a = await buildTree(data, { blockSize: 16, out: path.join(dir, 'a.mtree') });
    const b = await buildTree(changed, { blockSize: 16, out: path.join(dir, 'b.mtree') });
    const fileA = await openTree(path.join(dir, 'a.mtree'));
    const fileB = await openTree(path.join(dir, 'b.mtree'));
    let reads = 0;
    for (const tree of [fileA, fileB]) {
      const original = tree.reader.getNodes.bind(tree.reader);
      tree.reader.getNodes = (level, begin, end) => {
        reads++;
        return original(level, begin, end);
      };
    }
    try {
      const fromFiles = await diffTrees(fileA, fileB);
      expect(fromFiles.ranges).toEqual([{ begin: 1234, end: 1235 }]);
      expect(fromFiles).toEqual(await diffTrees(a, b));
      expect(reads).toBe(2 * levelCount(4096));
    } finally {
      await fileA.close();
      await fileB.close();
    }
  });

  it('refuses trees of another profile, hash, block size or leaf mode', async () => {
    const data = randomBytesOf(4096, seededRandom(kSeed));
    const base = await buildTree(data, { blockSize: 64 });
    await expect(diffTrees(base, await buildTree(data, { blockSize: 64, profile: 'classic' }))).rejects.toThrow(IncompatibleTreesError);
    await expect(diffTrees(base, await buildTree(data, { blockSize: 64, hash: 'blake3' }))).rejects.toThrow(/differ in hash: A has sha256, B has blake3/);
    await expect(diffTrees(base, await buildTree(data, { blockSize: 128 }))).rejects.toThrow(/differ in block size: A has 64, B has 128/);
    await expect(diffTrees(base, await buildTree({ records: [data] }))).rejects.toMatchObject({ code: 'ERR_MERKLE_INCOMPATIBLE' });
  });
});

describe('merkle diff (CLI)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'merkle-diff-cli-'));
    const data = randomBytesOf(100 * 64, seededRandom(kSeed));
    const changed = Buffer.concat([data, randomBytesOf(64 * 3, seededRandom(1))]);
    changed[10 * 64]! ^= 1;
    changed[11 * 64]! ^= 1;
    changed[40 * 64]! ^= 1;
    await buildTree(data, { blockSize: 64, out: path.join(dir, 'a.mtree') });
    await buildTree(changed, { blockSize: 64, out: path.join(dir, 'b.mtree') });
    await buildTree(data, { blockSize: 64, out: path.join(dir, 'a2.mtree') });
    await buildTree(data, { blockSize: 64, hash: 'blake3', out: path.join(dir, 'blake.mtree') });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 0 for equal trees and 1 for different ones, with the ranges as JSON', () => {
    const equal = merkle(['diff', path.join(dir, 'a.mtree'), path.join(dir, 'a2.mtree'), '--json']);
    expect(equal.code).toBe(0);
    expect(JSON.parse(equal.stdout)).toMatchObject({ equal: true, ranges: [], added: null, removed: null });

    const different = merkle(['diff', path.join(dir, 'a.mtree'), path.join(dir, 'b.mtree'), '--json']);
    expect(different.code).toBe(1);
    const json = JSON.parse(different.stdout);
    expect(json.ranges).toEqual([
      { begin: 10, end: 12 },
      { begin: 40, end: 41 },
    ]);
    expect(json.added).toEqual({ begin: 100, end: 103 });
    expect(json.removed).toBeNull();
    expect(json.nodesCompared).toBeGreaterThan(0);

    const text = merkle(['diff', path.join(dir, 'b.mtree'), path.join(dir, 'a.mtree')]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain('differ  10..11\ndiffer  40\nremoved 100..102\n');
  });

  it('exits 2 naming the difference for incompatible trees', () => {
    const result = merkle(['diff', path.join(dir, 'a.mtree'), path.join(dir, 'blake.mtree')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/trees differ in hash: A has sha256, B has blake3/);
  });
});
