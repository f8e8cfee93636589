/**
 * Checked reads: a tree file with one damaged node never yields an answer. For every node of
 * small trees of every profile, one byte flipped: proofs, diffs, conflicts and appends either
 * fail with ERR_MTREE_NODE naming the node, or give exactly the answer of the undamaged file
 * (when they never read the damaged node). And the CLI exits non-zero, naming the corruption.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendToTree } from '../src/api/append.js';
import { buildTree } from '../src/api/build.js';
import { detectConflicts } from '../src/api/conflicts.js';
import { diffTrees } from '../src/api/diff.js';
import { openTree } from '../src/api/open-tree.js';
import { proveInclusion } from '../src/api/proofs.js';
import { TreeFileError } from '../src/errors.js';
import { syncFile } from '../src/sync/client.js';
import { startSyncServer } from '../src/sync/server.js';
import type { HashName } from '../src/hash/types.js';
import type { ProfileName } from '../src/tree/profile.js';
import { merkle } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const randomBuffer = (length: number, random: () => number) => Buffer.from(randomBytes(random, length));

const dir = mkdtempSync(path.join(tmpdir(), 'checked-reads-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string) => path.join(dir, name);

const kBlock = 1024;
const kBlocks = 37;
const kKinds: readonly { profile: ProfileName; hash: HashName }[] = [
  { profile: 'rfc9162', hash: 'sha256' },
  { profile: 'classic', hash: 'sha256' },
  { profile: 'bitcoin', hash: 'sha256' },
  { profile: 'b3tree', hash: 'blake3' },
];

/** What each command answers on a tree file, as comparable JSON; a thrown error becomes its code. */
async function answers(treePath: string, other: string, third: string): Promise<Record<string, unknown>> {
  const run = async (what: () => Promise<unknown>): Promise<unknown> => {
    try {
      return JSON.parse(JSON.stringify(await what()));
    } catch (error) {
      if (error instanceof TreeFileError) return { error: error.code, message: error.message };
      throw error;
    }
  };
  const withTree = async <T>(p: string, use: (tree: Awaited<ReturnType<typeof openTree>>) => Promise<T>): Promise<T> => {
    const tree = await openTree(p);
    try {
      return await use(tree);
    } finally {
      await tree.close();
    }
  };
  return {
    proofs: await run(() => withTree(treePath, async (tree) => Promise.all([0, 17, kBlocks - 1].map((i) => proveInclusion(tree, i))))),
    diff: await run(() => withTree(treePath, (a) => withTree(other, (b) => diffTrees(a, b)))),
    conflicts: await run(() => withTree(treePath, (a) => withTree(other, (b) => withTree(third, (c) => detectConflicts([a, b, c]))))),
  };
}

describe('checked reads of a damaged tree file', () => {
  it.each(kKinds)('$profile: a byte of every node (every byte, for rfc9162) flipped: an error naming it, or the undamaged answer', async ({ profile, hash }) => {
    const random = seededRandom(profile.length * 7919);
    const data = randomBuffer(kBlocks * kBlock - 100, random);
    const changed = Buffer.from(data);
    for (const block of [3, 20, 36]) changed[block * kBlock + 5]! ^= 0xff;
    // Bitcoin trees take leaf hashes (txids): a block's SHA-256 stands in for one.
    const build = async (bytes: Buffer, out: string) => {
      if (profile !== 'bitcoin') {
        writeFileSync(`${out}.bin`, bytes);
        return buildTree(`${out}.bin`, { profile, hash, blockSize: kBlock, out });
      }
      const leafHashes = Array.from({ length: Math.ceil(bytes.length / kBlock) }, (_, i) => createHash('sha256').update(bytes.subarray(i * kBlock, (i + 1) * kBlock)).digest());
      return buildTree({ leafHashes }, { profile, hash, out });
    };
    await build(data, file('a.mtree'));
    await build(changed, file('b.mtree'));
    await build(data, file('c.mtree'));
    const pristine = readFileSync(file('a.mtree'));
    const want = await answers(file('a.mtree'), file('b.mtree'), file('c.mtree'));
    expect(JSON.stringify(want)).not.toMatch(/ERR_MTREE/);

    const tree = await openTree(file('a.mtree'));
    const { levels, digestSize } = tree.meta;
    await tree.close();
    let detected = 0;
    let nodes = 0;
    // Every byte of every level for RFC 9162; one byte of every node for the other profiles.
    const bytesOf = (index: number) => (profile === 'rfc9162' ? Array.from({ length: digestSize }, (_, b) => b) : [(index * 13) % digestSize]);
    for (const [level, { offset, nodeCount }] of levels.entries()) {
      for (let index = 0; index < nodeCount; index++, nodes++) for (const byte of bytesOf(index)) {
        const damaged = Buffer.from(pristine);
        damaged[offset + index * digestSize + byte]! ^= 0x01;
        writeFileSync(file('damaged.mtree'), damaged);
        const got = await answers(file('damaged.mtree'), file('b.mtree'), file('c.mtree'));
        for (const [command, answer] of Object.entries(got)) {
          const failed = (answer as { error?: string }).error;
          if (failed === undefined) {
            expect(answer, `${command} with byte ${byte} of node ${index} of level ${level} damaged`).toEqual(want[command]);
          } else {
            expect(failed, `${command}: level ${level} node ${index}`).toBe('ERR_MTREE_NODE');
            expect((answer as { message: string }).message).toMatch(/damaged\.mtree: node \d+ of level \d+ .*: the tree file is damaged/);
            detected++;
          }
        }
      }
    }
    expect(nodes).toBe(levels.reduce((sum, l) => sum + l.nodeCount, 0));
    // Proofs read a few paths; diff and conflicts read every node above a differing leaf.
    expect(detected).toBeGreaterThan(nodes);
  });

  it('append refuses a damaged tree file, and leaves it as it was', async () => {
    const data = randomBuffer(kBlocks * kBlock, seededRandom(5));
    writeFileSync(file('grow.bin'), data);
    await buildTree(file('grow.bin'), { blockSize: kBlock, out: file('grow.mtree') });
    const bytes = readFileSync(file('grow.mtree'));
    const tree = await openTree(file('grow.mtree'));
    const top = tree.meta.levels.at(-2)!; // the level under the top: every append reads it
    await tree.close();
    bytes[top.offset + 3]! ^= 0x80;
    writeFileSync(file('grow.mtree'), bytes);
    await expect(appendToTree(file('grow.mtree'), randomBuffer(3 * kBlock, seededRandom(6)))).rejects.toThrow(/ERR_MTREE_NODE|the tree file is damaged/);
    expect(Buffer.compare(readFileSync(file('grow.mtree')), bytes)).toBe(0);
  });

  it('a served tree file with a damaged node: the sync fails naming it, the local file untouched', async () => {
    const data = randomBuffer(kBlocks * kBlock, seededRandom(7));
    writeFileSync(file('served.bin'), data);
    await buildTree(file('served.bin'), { blockSize: kBlock, out: file('served.mtree') });
    const bytes = readFileSync(file('served.mtree'));
    const tree = await openTree(file('served.mtree'));
    const leaves = tree.meta.levels[0]!;
    await tree.close();
    bytes[leaves.offset + 9 * 32 + 1]! ^= 0x04; // leaf 9: the walk reads it where the local file differs
    writeFileSync(file('served.mtree'), bytes);
    // The tree's recorded source is the data file; rewriting the tree file does not make it stale.
    const server = await startSyncServer({ tree: file('served.mtree'), data: file('served.bin') });
    try {
      const local = Buffer.from(data);
      local[9 * kBlock]! ^= 1;
      writeFileSync(file('replica.bin'), local);
      await expect(syncFile(server.url, file('replica.bin'))).rejects.toThrow(/node 8 of level 0 and its sibling do not hash to their parent.*the tree file is damaged/);
      expect(Buffer.compare(readFileSync(file('replica.bin')), local)).toBe(0);
    } finally {
      await server.close();
    }
  });

  it('merkle proof, diff and conflicts exit non-zero naming the damage', async () => {
    const data = randomBuffer(kBlocks * kBlock, seededRandom(9));
    writeFileSync(file('cli.bin'), data);
    expect(merkle(['build', file('cli.bin'), '--block-size', '1KiB', '-o', file('cli.mtree')]).code).toBe(0);
    const other = Buffer.from(data);
    other[5 * kBlock]! ^= 1;
    writeFileSync(file('cli-other.bin'), other);
    expect(merkle(['build', file('cli-other.bin'), '--block-size', '1KiB', '-o', file('cli2.mtree')]).code).toBe(0);
    const bytes = readFileSync(file('cli.mtree'));
    const tree = await openTree(file('cli.mtree'));
    const leaf = tree.meta.levels[0]!;
    await tree.close();
    bytes[leaf.offset + 5 * 32]! ^= 0x01; // leaf 5: the one a diff against the other tree reads
    writeFileSync(file('cli.mtree'), bytes);
    for (const args of [['proof', file('cli.mtree'), '5'], ['diff', file('cli.mtree'), file('cli2.mtree')], ['conflicts', file('cli.mtree'), file('cli2.mtree'), file('cli2.mtree')]]) {
      const result = merkle(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stdout, args.join(' ')).toBe('');
      expect(result.stderr, args.join(' ')).toMatch(/cli\.mtree: node \d+ of level \d+ .* the tree file is damaged/);
    }
  });
});
