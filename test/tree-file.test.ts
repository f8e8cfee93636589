import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeKernel } from '../src/hash/node.js';
import { createTreeHasher } from '../src/hash/tree-hasher.js';
import { decodeHeader, HEADER_SIZE, LEVEL_ENTRY_SIZE, OFFSET } from '../src/store/format.js';
import {
  checkSource,
  createTreeFileWriter,
  openTreeFile,
  sourceIdentityOf,
  writeTreeFile,
  type TreeFileMeta,
} from '../src/store/index.js';
import { buildLevels, type TreeLevels } from '../src/tree/build.js';
import { kProfiles, type ProfileName } from '../src/tree/profile.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const kRepoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const kSeed = 0x6d74726565;

// ---- test-only helpers ----------------------------------------------------------------------

/** refBytes returns `length` pseudo-random bytes from a fixed seed, printed on failure. */
function refBytes(length: number, seed: number): Uint8Array {
  return randomBytes(seededRandom(seed), length);
}

const kBlockSize = 64;

/** refTree builds a real SHA-256 tree over `size` pseudo-random 64-byte blocks under `profile`. */
function refTree(size: number, profile: ProfileName = 'rfc9162'): TreeLevels {
  const hasher = createTreeHasher(kProfiles[profile], nodeKernel('sha256')!);
  const leaves = new Uint8Array(size * 32);
  if (size > 0) hasher.leavesFromBlocks(refBytes(size * kBlockSize, kSeed + size), kBlockSize, 0, leaves);
  return buildLevels(leaves, size, hasher, kProfiles[profile].lone);
}

function metaOf(tree: TreeLevels, profile: ProfileName = 'rfc9162'): TreeFileMeta {
  return {
    profile,
    hash: 'sha256',
    digestSize: 32,
    leafMode: 'blocks',
    blockSize: kBlockSize,
    leafCount: tree.size,
    dataLength: tree.size * kBlockSize,
  };
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mtree-test-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCounter = 0;
async function freshDir(): Promise<string> {
  const d = join(dir, `case-${fileCounter++}`);
  await mkdir(d);
  return d;
}

/** expectCode asserts that `promise` rejects with an error carrying `code` (and a message matching `message`). */
async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e as { code?: string; message: string },
  );
  expect(error, `expected rejection with ${code}`).toBeDefined();
  expect(error!.code, error!.message).toBe(code);
  if (message) expect(error!.message).toMatch(message);
}

/** withFile writes `bytes` to a new file and returns its path. */
async function withFile(bytes: Uint8Array): Promise<string> {
  const path = join(await freshDir(), 't.mtree');
  await writeFile(path, bytes);
  return path;
}

/** reseal recomputes the header checksum after a test edits header fields. */
function reseal(bytes: Uint8Array): Uint8Array {
  const sum = createHash('sha256').update(bytes.subarray(0, OFFSET.headerChecksum)).digest();
  bytes.set(sum, OFFSET.headerChecksum);
  return bytes;
}

/** treeFileBytes writes `tree` with writeTreeFile and returns the file's bytes. */
async function treeFileBytes(tree: TreeLevels, meta = metaOf(tree)): Promise<Uint8Array> {
  const path = join(await freshDir(), 't.mtree');
  await writeTreeFile(path, meta, tree);
  return new Uint8Array(await readFile(path));
}

function fileSizeOf(tree: TreeLevels): number {
  return HEADER_SIZE + tree.levels.reduce((sum, level) => sum + level.length, 0);
}

// ---- round trips ------------------------------------------------------------------------------

describe('round trip', () => {
  for (const size of [0, 1, 2, 3, 5, 1000]) {
    it(`writes and reads back every node of a ${size}-leaf tree (seed ${kSeed})`, async () => {
      const tree = refTree(size);
      const path = join(await freshDir(), 't.mtree');
      const meta = { ...metaOf(tree), source: { size: size * kBlockSize, mtimeNs: 1_700_000_000_123_456_789n } };
      await writeTreeFile(path, meta, tree);
      expect((await stat(path)).size).toBe(fileSizeOf(tree));

      const reader = await openTreeFile(path, { verify: true });
      try {
        expect(reader.meta).toMatchObject({ ...meta, version: 1, levelCount: tree.levels.length, fileSize: fileSizeOf(tree) });
        expect(Buffer.from(reader.root).equals(Buffer.from(tree.root))).toBe(true);
        for (const [level, nodes] of tree.levels.entries()) {
          expect(reader.meta.levels[level]!.nodeCount).toBe(nodes.length / 32);
          expect(Buffer.from(await reader.getNodes(level, 0, nodes.length / 32)).equals(Buffer.from(nodes))).toBe(true);
          const last = nodes.length / 32 - 1;
          expect(Buffer.from(await reader.getNode(level, last)).equals(Buffer.from(nodes.subarray(last * 32)))).toBe(true);
        }
        if (size === 1000) {
          const middle = await reader.getNodes(0, 17, 400);
          expect(Buffer.from(middle).equals(Buffer.from(tree.levels[0]!.subarray(17 * 32, 400 * 32)))).toBe(true);
          expect((await reader.getNodes(2, 7, 7)).length).toBe(0);
        }
      } finally {
        await reader.close();
      }
    });
  }

  it('round-trips the classic profile, records mode and an unknown source', async () => {
    const tree = refTree(7, 'classic');
    const meta: TreeFileMeta = { ...metaOf(tree, 'classic'), leafMode: 'records', blockSize: 0, dataLength: 999 };
    const path = join(await freshDir(), 't.mtree');
    await writeTreeFile(path, meta, tree);
    const reader = await openTreeFile(path, { verify: true });
    expect(reader.meta).toMatchObject({ profile: 'classic', leafMode: 'records', blockSize: 0, dataLength: 999 });
    expect(reader.meta.source).toBeUndefined();
    await reader.close();
  });

  it('round-trips 16-byte digests (xxh128)', async () => {
    // The store does not hash nodes; any bytes whose top node is the root make a valid file.
    const levels = [refBytes(5 * 16, 1), refBytes(3 * 16, 2), refBytes(2 * 16, 3), refBytes(16, 4)];
    const tree: TreeLevels = { size: 5, digestSize: 16, levels, root: levels[3]!.slice(), ambiguous: false };
    const meta: TreeFileMeta = { profile: 'rfc9162', hash: 'xxh128', digestSize: 16, leafMode: 'leaf-hashes', blockSize: 0, leafCount: 5, dataLength: 0 };
    const path = join(await freshDir(), 't.mtree');
    await writeTreeFile(path, meta, tree);
    const reader = await openTreeFile(path, { verify: true });
    expect(reader.meta.digestSize).toBe(16);
    expect(Buffer.from(await reader.getNode(1, 2)).equals(Buffer.from(levels[1]!.subarray(32)))).toBe(true);
    await reader.close();
  });

  it('accepts a one-leaf b3tree whose root is not its level-0 node', async () => {
    const leaf = refBytes(32, 9);
    const tree: TreeLevels = { size: 1, digestSize: 32, levels: [leaf], root: refBytes(32, 10), ambiguous: false };
    const meta: TreeFileMeta = { profile: 'b3tree', hash: 'blake3', digestSize: 32, leafMode: 'blocks', blockSize: 1024, leafCount: 1, dataLength: 5 };
    const path = join(await freshDir(), 't.mtree');
    await writeTreeFile(path, meta, tree);
    const reader = await openTreeFile(path, { verify: true });
    expect(Buffer.from(reader.root).equals(Buffer.from(tree.root))).toBe(true);
    await reader.close();
  });
});

// ---- the positioned writer ----------------------------------------------------------------------

describe('positioned writer', () => {
  /** Writes `tree` as segments of 2^k leaves in `order`, then the levels above k, all concurrently. */
  async function writeSegmented(path: string, tree: TreeLevels, k: number, order: number[]): Promise<void> {
    const writer = await createTreeFileWriter(path, metaOf(tree));
    const writes: Promise<void>[] = [];
    for (const segment of order) {
      for (let level = 0; level <= k && level < tree.levels.length; level++) {
        const width = 2 ** (k - level);
        const nodes = tree.levels[level]!;
        const begin = segment * width;
        const end = Math.min(begin + width, nodes.length / 32);
        writes.push(writer.writeNodes(level, begin, nodes.subarray(begin * 32, end * 32)));
      }
    }
    for (let level = k + 1; level < tree.levels.length; level++) writes.push(writer.writeNodes(level, 0, tree.levels[level]!));
    await Promise.all(writes);
    await writer.commit(tree.root);
  }

  it('gives a file byte-identical to writeTreeFile with segments written out of order', async () => {
    for (const size of [1, 2, 3, 5, 8, 9, 16, 17, 1000]) {
      const tree = refTree(size);
      const expected = await treeFileBytes(tree);
      const k = 3;
      const segments = Math.ceil(size / 2 ** k);
      const shuffled = [...Array(segments).keys()].sort((a, b) => ((a * 7919 + kSeed) % 101) - ((b * 7919 + kSeed) % 101));
      const path = join(await freshDir(), 't.mtree');
      await writeSegmented(path, tree, k, shuffled);
      expect(Buffer.from(await readFile(path)).equals(Buffer.from(expected)), `size ${size}, order ${shuffled.join(',')}`).toBe(true);
      const reader = await openTreeFile(path, { verify: true });
      await reader.close();
    }
  });

  it('checksums correctly when a hashed prefix is overwritten', async () => {
    const tree = refTree(40);
    const expected = await treeFileBytes(tree);
    const path = join(await freshDir(), 't.mtree');
    const writer = await createTreeFileWriter(path, metaOf(tree));
    const garbage = refBytes(10 * 32, 77);
    await writer.writeNodes(0, 0, garbage); // hashed as written...
    for (const [level, nodes] of tree.levels.entries()) await writer.writeNodes(level, 0, nodes); // ...then replaced
    await writer.commit(tree.root);
    expect(Buffer.from(await readFile(path)).equals(Buffer.from(expected))).toBe(true);
  });

  it('refuses to commit with nodes missing, removing its temp file and keeping the old target', async () => {
    const d = await freshDir();
    const path = join(d, 't.mtree');
    await writeFile(path, 'old contents');
    const tree = refTree(20);
    const writer = await createTreeFileWriter(path, metaOf(tree));
    for (const [level, nodes] of tree.levels.entries()) {
      await writer.writeNodes(level, 0, level === 1 ? nodes.subarray(0, 6 * 32) : nodes);
    }
    await expectCode(writer.commit(tree.root), 'ERR_MTREE_INCOMPLETE', /node 6 of level 1/);
    expect(await readdir(d)).toEqual(['t.mtree']);
    expect(await readFile(path, 'utf8')).toBe('old contents');
    await expectCode(writer.writeNodes(0, 0, tree.levels[0]!), 'ERR_MTREE_WRITER_STATE');
  });

  it('refuses a root that is not the top node', async () => {
    const d = await freshDir();
    const tree = refTree(9);
    const writer = await createTreeFileWriter(join(d, 't.mtree'), metaOf(tree));
    for (const [level, nodes] of tree.levels.entries()) await writer.writeNodes(level, 0, nodes);
    await expectCode(writer.commit(refBytes(32, 5)), 'ERR_MTREE_ROOT', /differs from root/);
    expect(await readdir(d)).toEqual([]);
  });

  it('validates writeNodes arguments with RangeErrors naming them', async () => {
    const tree = refTree(5);
    const writer = await createTreeFileWriter(join(await freshDir(), 't.mtree'), metaOf(tree));
    await expect(writer.writeNodes(4, 0, new Uint8Array(32))).rejects.toThrow(/level must be an integer in \[0, 4\); got 4/);
    await expect(writer.writeNodes(0, 4, new Uint8Array(64))).rejects.toThrow(/nodes \[4, 6\) are outside level 0 of 5 nodes/);
    await expect(writer.writeNodes(0, 0, new Uint8Array(31))).rejects.toThrow(/whole 32-byte nodes; got 31 bytes/);
    await expect(writer.commit(new Uint8Array(3))).rejects.toThrow(/root must be a Uint8Array of 32 bytes/);
    await writer.abort();
  });

  it('abort leaves no temp file and the previous target byte-identical', async () => {
    const d = await freshDir();
    const path = join(d, 't.mtree');
    const old = refTree(3);
    await writeTreeFile(path, metaOf(old), old);
    const before = await readFile(path);
    const tree = refTree(1000);
    const writer = await createTreeFileWriter(path, metaOf(tree));
    const pending = tree.levels.map((nodes, level) => writer.writeNodes(level, 0, nodes));
    expect((await readdir(d)).sort()).toEqual([expect.stringMatching(/^\.t\.mtree\.tmp-\d+-[0-9a-f]{12}$/), 't.mtree']);
    await writer.abort();
    await Promise.allSettled(pending);
    expect(await readdir(d)).toEqual(['t.mtree']);
    expect((await readFile(path)).equals(before)).toBe(true);
    await writer.abort(); // idempotent
    await expectCode(writer.commit(tree.root), 'ERR_MTREE_WRITER_STATE');
  });

  it('an AbortSignal aborts writeTreeFile and keeps the old target', async () => {
    const d = await freshDir();
    const path = join(d, 't.mtree');
    await writeFile(path, 'old');
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    const tree = refTree(5);
    await expect(writeTreeFile(path, metaOf(tree), tree, { signal: controller.signal })).rejects.toThrow('stop');
    expect(await readdir(d)).toEqual(['t.mtree']);
    expect(await readFile(path, 'utf8')).toBe('old');
  });
});

describe('positioned writer and AbortSignal', () => {
  it('a signal aborted during writes removes the temp file and ends the writer', async () => {
    const d = await freshDir();
    const path = join(d, 't.mtree');
    await writeFile(path, 'old');
    const controller = new AbortController();
    const tree = refTree(50);
    const writer = await createTreeFileWriter(path, metaOf(tree), { signal: controller.signal });
    await writer.writeNodes(0, 0, tree.levels[0]!);
    controller.abort();
    await writer.abort(); // resolves once the signal-triggered cleanup is done
    expect(await readdir(d)).toEqual(['t.mtree']);
    await expectCode(writer.commit(tree.root), 'ERR_MTREE_WRITER_STATE', /writer is closed/);
    expect(await readFile(path, 'utf8')).toBe('old');
  });
});

// ---- failures during a write ------------------------------------------------------------------

describe('failure mid-write', () => {
  it('a rename that fails (target is a directory) leaves the target and no temp file', async () => {
    const d = await freshDir();
    const path = join(d, 't.mtree');
    await mkdir(path);
    await writeFile(join(path, 'keep'), 'x');
    const tree = refTree(5);
    await expect(writeTreeFile(path, metaOf(tree), tree)).rejects.toMatchObject({ code: expect.stringMatching(/^E(ISDIR|NOTEMPTY|EXIST)$/) });
    expect(await readdir(d)).toEqual(['t.mtree']);
    expect(await readdir(path)).toEqual(['keep']);
  });

  it('a directory that disappears before commit makes commit reject cleanly', async () => {
    const d = await freshDir();
    const tree = refTree(5);
    const writer = await createTreeFileWriter(join(d, 't.mtree'), metaOf(tree));
    for (const [level, nodes] of tree.levels.entries()) await writer.writeNodes(level, 0, nodes);
    await rm(d, { recursive: true });
    await expect(writer.commit(tree.root)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(existsSync(d)).toBe(false);
  });

  // A real I/O error in the middle of level 0: the file-size limit (ulimit -f) makes write()
  // fail with EFBIG. It needs the compiled library (npm test builds it first).
  const compiled = join(kRepoRoot, 'dist', 'store', 'index.js');
  it.skipIf(!existsSync(compiled) || !existsSync('/bin/bash'))(
    'a write failing with EFBIG inside a level leaves the old file and no temp file (needs dist/: npm run build)',
    async () => {
      const d = await freshDir();
      const path = join(d, 't.mtree');
      const old = refTree(3);
      await writeTreeFile(path, metaOf(old), old);
      const before = await readFile(path);
      const script = `
        import { createHash } from 'node:crypto';
        import { writeTreeFile } from ${JSON.stringify(compiled)};
        const size = 4000;
        const level0 = new Uint8Array(size * 32).fill(7);
        const levels = [level0];
        for (let n = size; n > 1; ) { n = Math.ceil(n / 2); levels.push(new Uint8Array(n * 32).fill(9)); }
        const tree = { size, digestSize: 32, levels, root: levels[levels.length - 1], ambiguous: false };
        const meta = { profile: 'rfc9162', hash: 'sha256', digestSize: 32, leafMode: 'leaf-hashes', blockSize: 0, leafCount: size, dataLength: 0 };
        try { await writeTreeFile(process.argv[1], meta, tree); console.log('no error'); }
        catch (e) { console.log(e.code, e.cause?.code, e.message); }
      `;
      // 64 KiB limit: the header fits, level 0 (128000 bytes at offset 4096) does not.
      const run = spawnSync('/bin/bash', ['-c', 'ulimit -f 64 && exec "$0" --input-type=module -e "$1" "$2"', process.execPath, script, path], {
        encoding: 'utf8',
      });
      expect(run.stderr).toBe('');
      expect(run.stdout.trim()).toBe(`ERR_MERKLE_STORAGE EFBIG ${path}: cannot write: file too large for the file system (EFBIG)`);
      expect(await readdir(d)).toEqual(['t.mtree']);
      expect((await readFile(path)).equals(before)).toBe(true);
    },
  );
});

// ---- corrupt files are refused by name ----------------------------------------------------------

describe('refusing corrupt files', () => {
  let good: Uint8Array;
  let tree: TreeLevels;
  beforeAll(async () => {
    tree = refTree(1000);
    good = await treeFileBytes(tree);
  });

  it('refuses every truncation class with ERR_MTREE_TRUNCATED', async () => {
    const level = (l: number) => {
      const { offset } = decodeHeader(good, good.length, 'good').levels[l]!;
      return offset;
    };
    const lengths = {
      empty: 0,
      'inside magic': 5,
      'inside version': 10,
      'inside fields': 100,
      'inside level table': OFFSET.levelTable + LEVEL_ENTRY_SIZE + 3,
      'inside header checksum': HEADER_SIZE - 1,
      'header only': HEADER_SIZE,
      'inside level 0': level(0) + 33,
      'at a level boundary': level(1),
      'inside level 3': level(3) + 40,
      'one byte short': good.length - 1,
    };
    for (const [_what, length] of Object.entries(lengths)) {
      const path = await withFile(good.subarray(0, length));
      await expectCode(openTreeFile(path), 'ERR_MTREE_TRUNCATED', /truncated/);
    }
  });

  it('refuses trailing bytes with ERR_MTREE_HEADER', async () => {
    const path = await withFile(Buffer.concat([good, Buffer.from([0])]));
    await expectCode(openTreeFile(path), 'ERR_MTREE_HEADER', /1 trailing bytes/);
  });

  it('detects a truncation after open on the next read', async () => {
    const path = await withFile(good);
    const reader = await openTreeFile(path);
    await truncate(path, HEADER_SIZE + 100);
    await expectCode(reader.getNode(0, 999), 'ERR_MTREE_TRUNCATED');
    await reader.close();
  });

  it('refuses every single flipped header bit (magic, version or checksum)', () => {
    // Every bit of the fields and the used level table; one bit per byte of the zero padding.
    const used = OFFSET.levelTable + 11 * LEVEL_ENTRY_SIZE;
    const bits = [...Array(used * 8).keys()];
    for (let byte = used; byte < HEADER_SIZE; byte++) bits.push(byte * 8 + (byte % 8));
    for (const bit of bits) {
      const bytes = good.slice(0, HEADER_SIZE);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      const byte = bit >> 3;
      const code = byte < 8 ? 'ERR_MTREE_MAGIC' : byte < 12 ? 'ERR_MTREE_VERSION' : 'ERR_MTREE_CHECKSUM';
      expect(() => decodeHeader(bytes, good.length, 'x'), `bit ${bit}`).toThrow(expect.objectContaining({ code }));
    }
  });

  it('refuses a flipped header bit in a file with ERR_MTREE_CHECKSUM', async () => {
    const bytes = good.slice();
    bytes[OFFSET.leafCount]! ^= 0x10;
    await expectCode(openTreeFile(await withFile(bytes)), 'ERR_MTREE_CHECKSUM', /header checksum mismatch/);
  });

  it('refuses a flipped bit in each level section on verify, naming the level', async () => {
    const header = decodeHeader(good, good.length, 'good');
    for (const [level, entry] of header.levels.entries()) {
      const bytes = good.slice();
      bytes[entry.offset + ((entry.nodeCount * 32) >> 1)]! ^= 0x04;
      const path = await withFile(bytes);
      const reader = await openTreeFile(path); // O(1) open does not read levels
      await expectCode(reader.verify(), 'ERR_MTREE_CHECKSUM', new RegExp(`level ${level} checksum mismatch`));
      await reader.close();
      await expectCode(openTreeFile(path, { verify: true }), 'ERR_MTREE_CHECKSUM', new RegExp(`level ${level} `));
    }
  });

  it('refuses a top node that differs from the root even when checksums match', async () => {
    const bytes = good.slice();
    const header = decodeHeader(good, good.length, 'good');
    const top = header.levels[header.levelCount - 1]!;
    bytes[top.offset]! ^= 1;
    const sum = createHash('sha256').update(bytes.subarray(top.offset, top.offset + 32)).digest();
    bytes.set(sum, OFFSET.levelTable + (header.levelCount - 1) * LEVEL_ENTRY_SIZE + 16);
    await expectCode(openTreeFile(await withFile(reseal(bytes)), { verify: true }), 'ERR_MTREE_ROOT');
  });

  it('refuses wrong magic with ERR_MTREE_MAGIC', async () => {
    await expectCode(openTreeFile(await withFile(Buffer.from('{"not": "a tree file"}\n'))), 'ERR_MTREE_MAGIC', /bad magic/);
    const bytes = good.slice();
    bytes[1] = 0x4e;
    await expectCode(openTreeFile(await withFile(bytes)), 'ERR_MTREE_MAGIC');
    await expectCode(openTreeFile(await withFile(Buffer.from([0x89, 0x4d, 0x00]))), 'ERR_MTREE_MAGIC');
  });

  it('refuses another version with ERR_MTREE_VERSION even with a valid checksum', async () => {
    const bytes = good.slice();
    new DataView(bytes.buffer).setUint32(OFFSET.version, 2, true);
    await expectCode(openTreeFile(await withFile(reseal(bytes))), 'ERR_MTREE_VERSION', /version 2 is not supported, want 1/);
  });

  it('refuses a checksummed header whose fields disagree with ERR_MTREE_HEADER', async () => {
    const edits: [string, (v: DataView) => void, RegExp][] = [
      ['leaf count', (v) => v.setBigUint64(OFFSET.leafCount, 999n, true), /level 0 node count 1000, want 999/],
      ['level count', (v) => v.setUint32(OFFSET.levelCount, 12, true), /level count 12, want 11/],
      ['digest size', (v) => v.setUint8(OFFSET.digestSize, 16), /digest size 16, want 32/],
      ['profile', (v) => v.setUint8(OFFSET.profile, 9), /unknown profile code 9/],
      ['bitcoin with blake3', (v) => (v.setUint8(OFFSET.profile, 3), v.setUint8(OFFSET.hash, 2)), /profile bitcoin with hash blake3/],
      ['block size', (v) => v.setBigUint64(OFFSET.blockSize, 0n, true), /block size 0 in blocks mode/],
      ['level offset', (v) => v.setBigUint64(OFFSET.levelTable + LEVEL_ENTRY_SIZE, 1n, true), /level 1 offset 1/],
      ['flags', (v) => v.setUint32(OFFSET.flags, 6, true), /unknown flags/],
      ['huge leaf count', (v) => v.setBigUint64(OFFSET.leafCount, 1n << 60n, true), /exceeds 2\^53/],
    ];
    for (const [_what, edit, message] of edits) {
      const bytes = good.slice();
      edit(new DataView(bytes.buffer));
      await expectCode(openTreeFile(await withFile(reseal(bytes))), 'ERR_MTREE_HEADER', message);
    }
  });
});

// ---- reader API ---------------------------------------------------------------------------------

describe('reader', () => {
  it('validates level and index with RangeErrors naming them', async () => {
    const tree = refTree(5);
    const path = join(await freshDir(), 't.mtree');
    await writeTreeFile(path, metaOf(tree), tree);
    const reader = await openTreeFile(path);
    await expect(reader.getNode(4, 0)).rejects.toThrow(/level must be an integer in \[0, 4\); got 4/);
    await expect(reader.getNode(-1, 0)).rejects.toThrow(RangeError);
    await expect(reader.getNode(1, 3)).rejects.toThrow(/index must be an integer in \[0, 3\) at level 1; got 3/);
    await expect(reader.getNode(0, 1.5)).rejects.toThrow(RangeError);
    await expect(reader.getNodes(0, 3, 6)).rejects.toThrow(/0 <= begin <= end <= 5 at level 0; got \[3, 6\)/);
    await expect(reader.getNodes(0, 4, 3)).rejects.toThrow(RangeError);
    await reader.close();
    await expectCode(reader.getNode(0, 0), 'ERR_MTREE_CLOSED');
    await reader.close();
  });

  it('checkSource names what changed', async () => {
    const d = await freshDir();
    const data = join(d, 'data.bin');
    await writeFile(data, refBytes(5 * kBlockSize, 3));
    const tree = refTree(5);
    const path = join(d, 't.mtree');
    await writeTreeFile(path, { ...metaOf(tree), source: await sourceIdentityOf(data) }, tree);
    const reader = await openTreeFile(path);
    await checkSource(reader, data);
    await utimes(data, new Date(2_000_000_000_000), new Date(2_000_000_000_000));
    await expectCode(checkSource(reader, data), 'ERR_MTREE_STALE', /mtime 2000000000000000000 ns, want \d+ ns/);
    await writeFile(data, refBytes(6 * kBlockSize, 3));
    await expectCode(checkSource(reader, data), 'ERR_MTREE_STALE', /size 384, want 320; mtime/);
    await reader.close();

    const bare = join(d, 'bare.mtree');
    await writeTreeFile(bare, metaOf(tree), tree);
    const bareReader = await openTreeFile(bare);
    await expectCode(checkSource(bareReader, data), 'ERR_MTREE_NO_SOURCE');
    await bareReader.close();
  });
});

// ---- writer input validation --------------------------------------------------------------------

describe('writer validation', () => {
  it('names the bad meta field or tree part', async () => {
    const tree = refTree(5);
    const path = join(await freshDir(), 't.mtree');
    const cases: [Partial<TreeFileMeta> | Record<string, unknown>, RegExp][] = [
      [{ profile: 'merkle' as ProfileName }, /meta\.profile must be one of rfc9162, classic, bitcoin, b3tree; got merkle/],
      [{ digestSize: 16 }, /meta\.digestSize must be 32 for sha256; got 16/],
      [{ profile: 'b3tree' }, /meta\.hash must be blake3 for profile b3tree; got sha256/],
      [{ blockSize: 0 }, /meta\.blockSize must be > 0 in blocks mode/],
      [{ leafCount: -1 }, /meta\.leafCount must be an integer/],
      [{ dataLength: '5' }, /Expected a number for meta\.dataLength/],
      [{ source: { size: 1, mtimeNs: 5 } }, /meta\.source\.mtimeNs must be a bigint/],
    ];
    for (const [edit, message] of cases) {
      await expect(writeTreeFile(path, { ...metaOf(tree), ...edit } as TreeFileMeta, tree)).rejects.toThrow(message);
    }
    await expect(writeTreeFile(path, { ...metaOf(tree), leafCount: 6 }, tree)).rejects.toThrow(/tree\.size must equal meta\.leafCount 6; got 5/);
    const short = { ...tree, levels: [tree.levels[0]!.subarray(32), ...tree.levels.slice(1)] };
    await expect(writeTreeFile(path, metaOf(tree), short)).rejects.toThrow(/tree\.levels\[0\] must be 160 bytes; got 128 bytes/);
    expect(existsSync(path)).toBe(false);
    expect(await readdir(dirname(path))).toEqual([]);
  });
});
