import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { detectConflicts } from '../src/api/conflicts.js';
import { IncompatibleTreesError } from '../src/errors.js';
import { InputError } from '../src/errors.js';
import { merkle } from './helpers/cli.js';

const kBlock = 32;

/** Replica data: 200 blocks of a fixed pattern, with the given blocks flipped and blocks appended. */
function replica(flipped: number[] = [], appended = 0): Uint8Array {
  const data = new Uint8Array((200 + appended) * kBlock);
  for (let i = 0; i < data.length; i++) data[i] = (i * 31 + (i >>> 8)) % 251;
  for (const block of flipped) data[block * kBlock + 5]! ^= 0x80;
  return data;
}

const tree = (data: Uint8Array) => buildTree(data, { blockSize: kBlock });

describe('detectConflicts', () => {
  it('finds the majority root and where each other replica diverges', async () => {
    const trees = await Promise.all([tree(replica()), tree(replica([7, 8])), tree(replica()), tree(replica([], 5)), tree(replica())]);
    const report = await detectConflicts(trees, ['a', 'b', 'c', 'd', 'e']);
    expect(report.agree).toBe(false);
    expect(report.tie).toBe(false);
    expect(report.majority).toEqual([0, 2, 4]);
    expect(report.majorityRoot).toBe(trees[0]!.rootHex);
    expect(report.majoritySize).toBe(200);
    expect(report.divergent).toHaveLength(2);
    expect(report.divergent[0]).toMatchObject({ index: 1, name: 'b', root: trees[1]!.rootHex, ranges: [{ begin: 7, end: 9 }] });
    expect(report.divergent[1]).toMatchObject({ index: 3, name: 'd', size: 205, ranges: [], added: { begin: 200, end: 205 } });
  });

  it('agrees when every replica has the same root', async () => {
    const trees = await Promise.all([tree(replica([1])), tree(replica([1])), tree(replica([1]))]);
    const report = await detectConflicts(trees);
    expect(report).toMatchObject({ agree: true, majority: [0, 1, 2], divergent: [], tie: false });
  });

  it('breaks a tie in favour of the first group and says so', async () => {
    const trees = await Promise.all([tree(replica([3])), tree(replica()), tree(replica()), tree(replica([3]))]);
    const report = await detectConflicts(trees);
    expect(report.tie).toBe(true);
    expect(report.majority).toEqual([0, 3]);
    expect(report.divergent.map((d) => [d.index, d.ranges])).toEqual([
      [1, [{ begin: 3, end: 4 }]],
      [2, [{ begin: 3, end: 4 }]],
    ]);
  });

  it('a shorter replica lacks the majority tail', async () => {
    const trees = await Promise.all([tree(replica([], 9)), tree(replica([], 9)), tree(replica([199]))]);
    const report = await detectConflicts(trees);
    expect(report.divergent[0]).toMatchObject({ index: 2, ranges: [{ begin: 199, end: 200 }], removed: { begin: 200, end: 209 } });
  });

  it('refuses fewer than two replicas and mixed kinds of tree', async () => {
    await expect(detectConflicts([await tree(replica())])).rejects.toThrow(InputError);
    const other = await buildTree(replica(), { blockSize: kBlock, profile: 'classic' });
    await expect(detectConflicts([await tree(replica()), other], ['x.mtree', 'y.mtree'])).rejects.toThrow(IncompatibleTreesError);
    await expect(detectConflicts([await tree(replica()), other], ['x.mtree', 'y.mtree'])).rejects.toThrow(/x\.mtree has rfc9162, y\.mtree has classic/);
  });
});

describe('merkle conflicts (CLI)', () => {
  let dir: string;
  const file = (name: string) => path.join(dir, name);
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'merkle-conflicts-'));
    await buildTree(replica(), { blockSize: kBlock, out: file('a.mtree') });
    await buildTree(replica(), { blockSize: kBlock, out: file('b.mtree') });
    await buildTree(replica([50, 120]), { blockSize: kBlock, out: file('c.mtree') });
    await buildTree(replica(), { blockSize: kBlock, hash: 'blake3', out: file('blake.mtree') });
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('exits 1 and reports the divergent replica as JSON', () => {
    const result = merkle(['conflicts', file('a.mtree'), file('b.mtree'), file('c.mtree'), '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout);
    expect(report.agree).toBe(false);
    expect(report.majority).toEqual([0, 1]);
    expect(report.divergent).toEqual([
      expect.objectContaining({ index: 2, name: file('c.mtree'), ranges: [{ begin: 50, end: 51 }, { begin: 120, end: 121 }] }),
    ]);
    const text = merkle(['conflicts', file('a.mtree'), file('b.mtree'), file('c.mtree')]);
    expect(text.stdout).toContain(`diverges ${file('c.mtree')}: 50, 120`);
  });

  it('exits 0 when all agree and 2 for incompatible trees', () => {
    expect(merkle(['conflicts', file('a.mtree'), file('b.mtree')]).code).toBe(0);
    const mixed = merkle(['conflicts', file('a.mtree'), file('blake.mtree')]);
    expect(mixed.code).toBe(2);
    expect(mixed.stderr).toMatch(/differ in hash/);
    expect(merkle(['conflicts', file('a.mtree')]).code).toBe(2);
  });
});
