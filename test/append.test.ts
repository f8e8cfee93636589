/**
 * Append: the root after appending equals the root of building the concatenation, for random
 * old and new sizes (aligned and short last blocks), rfc9162 and classic; the consistency proof
 * of old ⊑ new verifies; a short last block without the original data is refused by name.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { appendToTree } from '../src/api/append.js';
import { buildTree } from '../src/api/build.js';
import { openTree } from '../src/api/open-tree.js';
import { proveConsistency, verifyProof } from '../src/api/proofs.js';
import { merkle, tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const at = (name: string): string => path.join(dir, name);

describe.each(['rfc9162', 'classic'] as const)('%s append', (profile) => {
  it('equals building the concatenation, for random sizes (seed 616)', async () => {
    const random = seededRandom(616);
    const blockSize = 256;
    const cases: Array<[number, number]> = [[0, 1], [1, 1], [256, 256], [255, 1], [256, 1], [1000, 5000], [4096, 1], [4097, 300]];
    for (let i = 0; i < 12; i++) cases.push([Math.floor(random() * 20_000), Math.floor(random() * 20_000) + 1]);
    for (const [oldBytes, newBytes] of cases) {
      const all = randomBytes(random, oldBytes + newBytes);
      const oldData = at(`old-${oldBytes}.bin`);
      writeFileSync(oldData, all.subarray(0, oldBytes));
      const oldTree = at(`old-${oldBytes}-${newBytes}.mtree`);
      await buildTree(oldData, { profile, blockSize, out: oldTree });
      const result = await appendToTree(oldTree, all.subarray(oldBytes), { data: oldData });
      const want = await buildTree(all, { profile, blockSize });
      const where = `${oldBytes} + ${newBytes} bytes`;
      expect(result.rootHex, where).toBe(want.rootHex);
      expect(result.size, where).toBe(want.size);
      const reopened = await openTree(oldTree, { verify: true });
      try {
        expect(reopened.rootHex, where).toBe(want.rootHex);
        expect(reopened.meta.dataLength, where).toBe(oldBytes + newBytes);
        for (let level = 0; level < want.levels!.levels.length; level++) {
          const nodes = await reopened.reader.getNodes(level, 0, reopened.meta.levels[level]!.nodeCount);
          expect(Buffer.from(nodes).equals(Buffer.from(want.levels!.levels[level]!)), `${where} level ${level}`).toBe(true);
        }
      } finally {
        await reopened.close();
      }
    }
  });
});

describe('append and consistency', () => {
  it('old ⊑ new verifies when the old data ended on a block boundary', async () => {
    const data = randomBytes(seededRandom(17), 64 * 1024);
    writeFileSync(at('aligned.bin'), data.subarray(0, 40 * 512));
    await buildTree(at('aligned.bin'), { blockSize: 512, out: at('aligned.mtree') });
    await appendToTree(at('aligned.mtree'), data.subarray(40 * 512), { out: at('extended.mtree') });
    const older = await openTree(at('aligned.mtree'));
    const newer = await openTree(at('extended.mtree'));
    try {
      await verifyProof(await proveConsistency(older, newer), { root: newer.rootHex });
      expect(newer.rootHex).toBe((await buildTree(data, { blockSize: 512 })).rootHex);
    } finally {
      await older.close();
      await newer.close();
    }
  });

  it('a short last block needs --data, said by name; the tree file is untouched', async () => {
    writeFileSync(at('short.bin'), randomBytes(seededRandom(18), 1000));
    await buildTree(at('short.bin'), { blockSize: 512, out: at('short.mtree') });
    const before = readFileSync(at('short.mtree'));
    const result = merkle(['append', at('short.mtree'), at('short.bin')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/ends in a short block \(488 of 512 bytes\).*--data FILE/);
    expect(readFileSync(at('short.mtree'))).toEqual(before);
    writeFileSync(at('other.bin'), randomBytes(seededRandom(19), 999));
    await expect(appendToTree(at('short.mtree'), new Uint8Array(5), { data: at('other.bin') })).rejects.toThrow(/stale|999 bytes/);
  });

  it('the CLI prints the new root', async () => {
    const data = randomBytes(seededRandom(20), 5000);
    writeFileSync(at('c1.bin'), data.subarray(0, 3000));
    writeFileSync(at('c2.bin'), data.subarray(3000));
    expect(merkle(['build', at('c1.bin'), '--block-size', '1KiB', '-o', at('c.mtree')]).code).toBe(0);
    const result = merkle(['append', at('c.mtree'), at('c2.bin'), '--data', at('c1.bin')]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toBe(`${(await buildTree(data, { blockSize: 1024 })).rootHex}\n`);
  });

  it('the CLI appends standard input (-)', async () => {
    const data = randomBytes(seededRandom(21), 300_000);
    writeFileSync(at('s1.bin'), data.subarray(0, 4096 * 10));
    expect(merkle(['build', at('s1.bin'), '--block-size', '4KiB', '-o', at('s.mtree')]).code).toBe(0);
    const result = merkle(['append', at('s.mtree'), '-', '--json'], { input: data.subarray(4096 * 10) });
    expect(result.stderr).toBe('');
    const printed = JSON.parse(result.stdout) as { root: string; leaves: number; oldLeaves: number };
    expect(printed).toMatchObject({ root: (await buildTree(data, { blockSize: 4096 })).rootHex, oldLeaves: 10, leaves: Math.ceil(data.length / 4096) });
  });
});
