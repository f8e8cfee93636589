/**
 * Directory trees: the root against the definition in docs/directory.md written out in the test
 * (records by hand, the keyed root by the naive reference, file roots from `merkle build FILE`
 * and b3sum), stability across copies (cp -a, tar) and sensitivity to every kind of change,
 * rescans that equal full builds, diffs at both levels, and bad input refused by name.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDirectoryTree } from '../src/dir/build.js';
import { diffDirectoryTrees } from '../src/dir/diff.js';
import { decodeIndex, encodeIndex } from '../src/dir/index-file.js';
import { buildObjectTree, directoryObjects, type StoredObject } from '../src/dir/objects.js';
import { encodeRecord } from '../src/dir/record.js';
import { openDirectoryTree } from '../src/dir/tree-dir.js';
import hashFileBatch from '../src/dir/files-worker.js';
import { referenceRoot } from './helpers/keyed-reference.js';
import { merkle, tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const { dir: work, cleanup } = tempDir();
afterAll(cleanup);
const at = (...parts: string[]) => path.join(work, ...parts);
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest();
const random = seededRandom(1717);
const haveB3sum = spawnSync('b3sum', ['--version']).status === 0;

/** makeTree writes a small tree with one of everything a directory can hold. */
function makeTree(root: string): void {
  mkdirSync(path.join(root, 'docs', 'deep', 'er'), { recursive: true });
  mkdirSync(path.join(root, 'empty'));
  writeFileSync(path.join(root, 'zero.bin'), new Uint8Array(0));
  writeFileSync(path.join(root, 'one.txt'), 'x');
  writeFileSync(path.join(root, '.hidden'), 'not hidden from the tree');
  writeFileSync(path.join(root, 'docs', 'three-blocks.bin'), randomBytes(random, 3 * 1024 + 5));
  writeFileSync(path.join(root, 'docs', 'deep', 'er', 'note.md'), '# deep\n');
  // Over the batch limit: built by the file builder, kept as a tree file in objects/.
  writeFileSync(path.join(root, 'large.bin'), randomBytes(random, 9 * 1024 * 1024 + 17));
  symlinkSync('docs/deep/er/note.md', path.join(root, 'link'));
  symlinkSync('../nowhere', path.join(root, 'dangling'));
  // A name that is not UTF-8: the key is the name's bytes, unchanged.
  writeFileSync(Buffer.concat([Buffer.from(root), Buffer.from('/caf'), Buffer.from([0xe9]), Buffer.from('.txt')]), 'latin-1 name');
  writeFileSync(Buffer.concat([Buffer.from(root), Buffer.from('/gro'), Buffer.from([0xdf]), Buffer.from('.bin')]), randomBytes(random, 9 * 1024 * 1024));
}

const source = at('source');
makeTree(source);

function merkleOk(args: string[]): string {
  const result = merkle(args);
  if (result.code !== 0) throw new Error(`merkle ${args.join(' ')}: exit ${result.code}: ${result.stderr}`);
  return result.stdout;
}

/** The definition: every entry's record laid out by hand, the keyed root by the reference. */
function definitionRoot(root: string, blockSize: number, bucketBits: number): string {
  const pairs = new Map<string, Uint8Array>();
  const u64 = (n: number) => {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(n));
    return b;
  };
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(n);
    return b;
  };
  const visit = (relative: Buffer): boolean => {
    const full = Buffer.concat([Buffer.from(root), relative.length ? Buffer.from('/') : Buffer.alloc(0), relative]);
    let any = false;
    for (const name of readdirSync(full, { encoding: 'buffer' })) {
      const key = Buffer.concat([relative, relative.length ? Buffer.from('/') : Buffer.alloc(0), name]);
      const file = Buffer.concat([Buffer.from(root), Buffer.from('/'), key]);
      const stats = lstatSync(file);
      any = true;
      let record: Buffer;
      if (stats.isDirectory()) {
        if (visit(key)) continue;
        record = Buffer.from([3]);
      } else if (stats.isSymbolicLink()) {
        const target = readlinkSync(file, { encoding: 'buffer' });
        record = Buffer.concat([Buffer.from([2]), u32(target.length), target]);
      } else {
        // Through stdin: a name that is not UTF-8 cannot be passed as an argument from here.
        const built = merkle(['build', '-', '--block-size', String(blockSize)], { input: readFileSync(file) });
        expect(built.code, built.stderr).toBe(0);
        const fileRoot = built.stdout.trim();
        record = Buffer.concat([Buffer.from([1]), u64(stats.size), Buffer.from(fileRoot, 'hex')]);
      }
      pairs.set(key.toString('latin1'), sha256(record));
    }
    return any;
  };
  visit(Buffer.alloc(0));
  return referenceRoot(pairs, bucketBits, new TextEncoder().encode(`merkle-dir/1 rfc9162 sha256 ${blockSize}`));
}

describe('directory trees: the root', () => {
  it('is the documented definition: records by hand, keyed root by the reference, file roots from merkle build FILE', async () => {
    const built = await buildDirectoryTree(source, { blockSize: 1024, bucketBits: 4 });
    expect(built.rootHex).toBe(definitionRoot(source, 1024, 4));
    expect(built).toMatchObject({ files: 8, symlinks: 2, directories: 1, skipped: [] });
  });

  it.skipIf(!haveB3sum)(haveB3sum ? 'of b3tree files are the BLAKE3 hashes b3sum prints' : 'of b3tree files against b3sum: skipped, b3sum is not installed', async () => {
    const tree = await buildDirectoryTree(source, { profile: 'b3tree', out: at('b3.tree') });
    const index = await openDirectoryTree(at('b3.tree'));
    try {
      for (const name of ['docs/three-blocks.bin', 'large.bin', 'one.txt', 'zero.bin']) {
        const entry = index.entries.find((e) => Buffer.from(e.key).toString() === name)!;
        const expected = spawnSync('b3sum', ['--no-names', path.join(source, name)], { encoding: 'utf8' }).stdout.trim();
        expect(hex(entry.fields.root!), name).toBe(expected);
      }
    } finally {
      index.close();
    }
    expect(tree.params.profile).toBe('b3tree');
  });

  it('is the same for copies made with cp -a and with tar, and twice in a row', async () => {
    const first = merkleOk(['build', source]);
    expect(merkleOk(['build', source])).toBe(first);
    expect(spawnSync('cp', ['-a', source, at('cp-copy')]).status).toBe(0);
    expect(merkleOk(['build', at('cp-copy')])).toBe(first);
    mkdirSync(at('tar-copy'));
    expect(spawnSync('sh', ['-c', `tar -C '${source}' -cf - . | tar -C '${at('tar-copy')}' -xf -`]).status).toBe(0);
    expect(merkleOk(['build', at('tar-copy')])).toBe(first);
  });

  it('changes with one byte, a rename, an added empty directory, and a mode change when modes are recorded', () => {
    const copy = at('changes');
    spawnSync('cp', ['-a', source, copy]);
    const roots = new Set<string>();
    const root = (...extra: string[]) => merkleOk(['build', copy, ...extra]).trim();
    const base = root();
    const baseModes = root('--modes');
    roots.add(base).add(baseModes);
    const bytes = readFileSync(path.join(copy, 'docs', 'three-blocks.bin'));
    bytes[2000]! ^= 1;
    writeFileSync(path.join(copy, 'docs', 'three-blocks.bin'), bytes);
    roots.add(root());
    renameSync(path.join(copy, 'one.txt'), path.join(copy, 'two.txt'));
    roots.add(root());
    mkdirSync(path.join(copy, 'another-empty'));
    roots.add(root());
    const beforeMode = root();
    chmodSync(path.join(copy, 'two.txt'), 0o600);
    expect(root(), 'modes are not recorded by default').toBe(beforeMode);
    roots.add(root('--modes'));
    expect(roots.size).toBe(6);
  });

  it('leaves out special files and excluded paths, and lists the skipped', () => {
    const copy = at('special');
    spawnSync('cp', ['-a', source, copy]);
    const plain = merkleOk(['build', copy]);
    expect(spawnSync('mkfifo', [path.join(copy, 'pipe')]).status).toBe(0);
    const withFifo = merkle(['build', copy]);
    expect(withFifo.stdout).toBe(plain);
    expect(withFifo.stderr).toMatch(/skipped "pipe": a special file/);
    writeFileSync(path.join(copy, 'scratch.tmp'), 'temporary');
    mkdirSync(path.join(copy, 'build'));
    writeFileSync(path.join(copy, 'build', 'out.o'), 'object');
    expect(merkleOk(['build', copy, '--exclude', '*.tmp', '--exclude', 'build/**', '--exclude', 'pipe'])).not.toBe(plain); // build/ stays, empty
    expect(merkleOk(['build', copy, '--exclude', '*.tmp', '--exclude', 'build', '--exclude', 'pipe'])).toBe(plain);
  });
});

describe('directory trees: saved, rescanned and compared', () => {
  const live = at('live');
  const saved = at('live.tree');

  it('a rescan reuses unchanged files, rehashes the rest, drops removed paths, and equals a full build', async () => {
    spawnSync('cp', ['-a', source, live]);
    const first = await buildDirectoryTree(live, { out: saved });
    expect(existsSync(path.join(saved, 'index'))).toBe(true);
    const noChange = await buildDirectoryTree(live, { update: saved });
    expect(noChange).toMatchObject({ rootHex: first.rootHex, reused: 8, hashedFiles: 0, removed: 0 });

    writeFileSync(path.join(live, 'one.txt'), 'y'); // same size, new content
    const note = path.join(live, 'docs', 'deep', 'er', 'note.md');
    const { atime, mtime } = statSync(note);
    writeFileSync(note, '# DEEP\n');
    utimesSync(note, atime, mtime); // the old mtime back: ctime still tells
    rmSync(path.join(live, 'zero.bin'));
    writeFileSync(path.join(live, 'new.txt'), 'new');
    const rescan = await buildDirectoryTree(live, { update: saved });
    const full = await buildDirectoryTree(live);
    expect(rescan.rootHex).toBe(full.rootHex);
    expect(rescan).toMatchObject({ reused: 5, hashedFiles: 3, removed: 1 });
  });

  it('--verify reads everything and names a file whose stat did not change but whose root did', async () => {
    // The shortcut trusts the index: one whose recorded root no longer matches an unchanged stat.
    const index = decodeIndex(readFileSync(path.join(saved, 'index')), 'index');
    const lie = (e: (typeof index.entries)[number]) => {
      const fields = { ...e.fields, root: new Uint8Array(32).fill(7) };
      return { ...e, fields, record: encodeRecord(fields, index.params, 32) };
    };
    const lied = index.entries.map((e) => (Buffer.from(e.key).toString() === 'new.txt' ? lie(e) : e));
    writeFileSync(path.join(saved, 'index'), encodeIndex({ ...index, entries: lied }));
    const result = merkle(['build', live, '--update', saved, '--verify']);
    expect([result.code, result.stderr]).toEqual([1, expect.stringMatching(/"new.txt" changed without a change of size, mtime, ctime or inode/)]);
    expect(result.stdout.trim()).toBe(merkleOk(['build', live]).trim());
  });

  it('diff names added, removed and changed paths and, in changed files, the blocks', async () => {
    const a = at('diff-a');
    const b = at('diff-b');
    spawnSync('cp', ['-a', source, a]);
    spawnSync('cp', ['-a', source, b]);
    const large = readFileSync(path.join(b, 'large.bin'));
    large[5 * 65536 + 3]! ^= 0xff; // block 5 of 145
    large[100 * 65536]! ^= 0xff; // block 100
    writeFileSync(path.join(b, 'large.bin'), large);
    const small = readFileSync(path.join(b, 'docs', 'three-blocks.bin'));
    writeFileSync(path.join(b, 'docs', 'three-blocks.bin'), Buffer.concat([small.subarray(0, 1024), Buffer.from('changed'), small.subarray(1031)]));
    rmSync(path.join(b, 'link'));
    symlinkSync('elsewhere', path.join(b, 'link'));
    rmSync(path.join(b, 'one.txt'));
    mkdirSync(path.join(b, 'one.txt'));
    rmSync(path.join(b, 'empty'), { recursive: true });
    writeFileSync(path.join(b, 'added.txt'), 'added');
    merkleOk(['build', a, '-o', `${a}.tree`, '--block-size', '1KiB']);
    merkleOk(['build', b, '-o', `${b}.tree`, '--block-size', '1KiB']);
    const treeA = await openDirectoryTree(`${a}.tree`);
    const treeB = await openDirectoryTree(`${b}.tree`);
    try {
      const diff = await diffDirectoryTrees(treeA, treeB);
      expect(diff.added.map((e) => e.path)).toEqual(['added.txt']);
      expect(diff.removed.map((e) => e.path)).toEqual(['empty']);
      const changed = Object.fromEntries(diff.changed.map((c) => [c.path, c]));
      expect(Object.keys(changed).sort()).toEqual(['docs/three-blocks.bin', 'large.bin', 'link', 'one.txt']);
      expect(changed['one.txt']!.fields).toEqual(['type']);
      expect(changed['link']!.fields).toEqual(['size', 'target']);
      expect(changed['docs/three-blocks.bin']!.blocks).toEqual({ ranges: [{ begin: 1, end: 2 }], exact: true });
      expect(changed['large.bin']!.blocks).toEqual({ ranges: [{ begin: 5 * 64, end: 5 * 64 + 1 }, { begin: 100 * 64, end: 100 * 64 + 1 }], exact: true });
    } finally {
      treeA.close();
      treeB.close();
    }
    const cli = merkle(['diff', `${a}.tree`, `${b}.tree`]);
    expect(cli.code).toBe(1);
    expect(cli.stdout).toContain('changed  "large.bin": blocks 320, 6400\n');
    expect(merkle(['diff', `${a}.tree`, `${a}.tree`]).stdout).toBe('equal\n');
  });
});

describe('directory trees: bad input', () => {
  it('refuses to write into a directory that is not a tree, or over a tree without --update', () => {
    const precious = at('precious');
    mkdirSync(precious);
    writeFileSync(path.join(precious, 'keep.txt'), 'mine');
    const refused = merkle(['build', source, '-o', precious]);
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/precious exists and is not a directory tree \(no index\): refusing to write into it/)]);
    expect(readFileSync(path.join(precious, 'keep.txt'), 'utf8')).toBe('mine');
    merkleOk(['build', source, '-o', at('once.tree')]);
    expect(merkle(['build', source, '-o', at('once.tree')]).stderr).toMatch(/already holds a directory tree: rescan into it with --update/);
  });

  it('refuses an update that changes the parameters, and options that do not fit the input', () => {
    merkleOk(['build', source, '-o', at('params.tree'), '--block-size', '4KiB']);
    expect(merkle(['build', source, '--update', at('params.tree'), '--block-size', '8KiB']).stderr).toMatch(/built with merkle-dir\/1 rfc9162 sha256 4096 .* ask for merkle-dir\/1 rfc9162 sha256 8192/);
    expect(merkle(['build', source, '--records']).stderr).toMatch(/--records applies to files and stdin, not directories/);
    expect(merkle(['build', path.join(source, 'one.txt'), '--exclude', '*.tmp']).stderr).toMatch(/--exclude applies to directory inputs only/);
    expect(merkle(['build', source, '--hash', 'xxh128']).stderr).toMatch(/xxh128 is not cryptographic/);
    expect(merkle(['build', source, '--verify']).stderr).toMatch(/--verify needs --update/);
  });

  it('refuses a damaged index by name, and one whose entries do not give its root', async () => {
    merkleOk(['build', source, '-o', at('damaged.tree')]);
    const file = path.join(at('damaged.tree'), 'index');
    const bytes = readFileSync(file);
    bytes[bytes.length - 40]! ^= 1;
    writeFileSync(file, bytes);
    const result = merkle(['diff', at('damaged.tree'), at('once.tree')]);
    expect([result.code, result.stderr]).toEqual([2, expect.stringMatching(/index: not a valid directory tree index: checksum mismatch/)]);
    bytes[bytes.length - 40]! ^= 1;
    const index = decodeIndex(bytes, 'index');
    writeFileSync(file, encodeIndex({ ...index, root: new Uint8Array(32) }));
    await expect(openDirectoryTree(at('damaged.tree'))).rejects.toThrow(/its entries give root [0-9a-f]{64}, not the 0{64} it records/);
  });

  it('a file that differs from what the walk saw is skipped with the reason, not recorded', async () => {
    const file = path.join(source, 'one.txt');
    const { mtimeNs } = statSync(file, { bigint: true });
    const results = await hashFileBatch({ profile: 'rfc9162', hash: 'sha256', backend: 'auto', blockSize: 1024, paths: [Buffer.from(file), Buffer.from(file), Buffer.from(`${file}.gone`)], sizes: [1, 2, 1], mtimesNs: [mtimeNs, mtimeNs, mtimeNs] });
    expect(results[0]).toMatchObject({ root: expect.any(Uint8Array) });
    expect(results[1]).toEqual({ skipped: 'changed between the walk and its hashing' });
    expect(results[2]).toEqual({ skipped: 'cannot be opened (ENOENT)' });
  });
});

describe('object-store trees', () => {
  /** A store as a caller holds one: a map of key → bytes, read by range. */
  const storeOf = (objects: Record<string, Uint8Array>): StoredObject[] =>
    Object.entries(objects).map(([key, bytes]) => ({ key, size: bytes.length, read: async (offset, length) => bytes.slice(offset, offset + length) }));

  it('a listing of objects gives the root of a directory holding the same files', async () => {
    const dir = at('objects-as-files');
    const files: Record<string, Uint8Array> = { 'a.bin': randomBytes(random, 70_000), 'sub/b.txt': Buffer.from('b'), 'sub/deeper/c': new Uint8Array(0), 'z/large.bin': randomBytes(random, 9 * 1024 * 1024 + 3) };
    for (const [key, bytes] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(dir, key)), { recursive: true });
      writeFileSync(path.join(dir, key), bytes);
    }
    const fromDirectory = await buildDirectoryTree(dir, { blockSize: 4096 });
    // Listed in another order than the walk's, a few read at once.
    const fromStore = await buildObjectTree(storeOf(files).reverse(), { blockSize: 4096, concurrency: 3 });
    expect(fromStore).toMatchObject({ rootHex: fromDirectory.rootHex, objects: 4, bytes: fromDirectory.bytes });
    expect((await buildObjectTree(directoryObjects(dir), { blockSize: 4096 })).rootHex).toBe(fromDirectory.rootHex);
  });

  it('refuses keys that are not canonical paths, keys listed twice, bad sizes and short reads, each by name', async () => {
    const one = (key: string) => storeOf({ [key]: Buffer.from('x') });
    for (const key of ['/abs', 'a//b', 'a/../b', './a', 'trailing/', '']) {
      await expect(buildObjectTree(one(key))).rejects.toThrow(/must be a non-empty|not a canonical relative path/);
    }
    await expect(buildObjectTree([...one('twice'), ...one('twice')])).rejects.toThrow(/object key "twice" is listed twice/);
    await expect(buildObjectTree([{ key: 'sized', size: -1, read: async () => new Uint8Array(0) }])).rejects.toThrow(/object "sized": size must be a whole number/);
    await expect(buildObjectTree([{ key: 'short', size: 10, read: async () => new Uint8Array(4) }])).rejects.toThrow(/object "short": read\(0, 10\) returned 4 bytes, not 10 bytes/);
  });
});

describe('directory trees: files too large for one thread', () => {
  it('are built by the file builder and saved as objects; their roots and changed blocks are exact', async () => {
    const dir = at('huge');
    mkdirSync(dir);
    const bytes = randomBytes(random, 65 * 1024 * 1024 + 11);
    writeFileSync(path.join(dir, 'huge.bin'), bytes);
    const saved = await buildDirectoryTree(dir, { out: at('huge.tree') });
    const tree = await openDirectoryTree(at('huge.tree'));
    try {
      expect(hex(tree.entries[0]!.fields.root!)).toBe(merkleOk(['build', path.join(dir, 'huge.bin')]).trim());
      expect(existsSync(path.join(at('huge.tree'), 'objects', hex(tree.entries[0]!.fields.root!).slice(0, 2)))).toBe(true);
    } finally {
      tree.close();
    }
    bytes[70 * 65536]! ^= 1;
    writeFileSync(path.join(dir, 'huge.bin'), bytes);
    merkleOk(['build', dir, '-o', at('huge2.tree')]);
    const diff = merkle(['diff', at('huge.tree'), at('huge2.tree')]);
    expect(diff.stdout).toBe('changed  "huge.bin": blocks 70\n');
    expect(saved.files).toBe(1);
    // A rescan saved elsewhere takes the reused file's tree file along.
    const elsewhere = await buildDirectoryTree(dir, { update: at('huge2.tree'), out: at('huge3.tree') });
    expect(elsewhere).toMatchObject({ reused: 1, hashedFiles: 0 });
    expect(merkle(['diff', at('huge.tree'), at('huge3.tree')]).stdout).toBe('changed  "huge.bin": blocks 70\n');
  });
});
