/**
 * Directory sync over real HTTP on loopback: a served directory tree copied into an empty
 * directory and kept up to date moving only differing blocks; and hostile peers — a path that
 * escapes, a symlinked parent, bytes that do not match the root, another root than the trusted
 * one — each refused by name with nothing written outside the directory and no file half-written.
 */
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildDirectoryTree } from '../src/dir/build.js';
import { decodeIndex, encodeIndex } from '../src/dir/index-file.js';
import { syncDirectoryFrom } from '../src/dir/sync-client.js';
import { startDirectorySyncServer } from '../src/dir/sync-server.js';
import { rootOfEntries } from '../src/dir/tree-dir.js';
import { SyncVerifyError } from '../src/errors.js';
import { merkleAsync, tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';

const { dir: work, cleanup } = tempDir();
afterAll(cleanup);
const at = (...parts: string[]) => path.join(work, ...parts);
const random = seededRandom(4040);
const same = (a: string, b: string) => spawnSync('diff', ['-r', '--no-dereference', a, b]).status === 0;
/** Everything below `dir` that a failed sync could have left: its temp files. */
const temps = (dir: string): string[] => (readdirSync(dir, { recursive: true }) as string[]).filter((name) => name.includes('.merkle-sync-'));

function makeSource(dir: string): void {
  mkdirSync(path.join(dir, 'docs', 'deep'), { recursive: true });
  mkdirSync(path.join(dir, 'empty'));
  writeFileSync(path.join(dir, 'big.bin'), randomBytes(random, 2 * 1024 * 1024 + 100));
  writeFileSync(path.join(dir, 'docs', 'a.txt'), 'alpha\n');
  writeFileSync(path.join(dir, 'docs', 'deep', 'b.bin'), randomBytes(random, 5000));
  writeFileSync(path.join(dir, 'zero'), '');
  symlinkSync('docs/a.txt', path.join(dir, 'link'));
}

async function serving<T>(source: string, use: (url: string) => Promise<T>): Promise<T> {
  rmSync(`${source}.tree`, { recursive: true, force: true });
  await buildDirectoryTree(source, { out: `${source}.tree`, blockSize: 4096 });
  const server = await startDirectorySyncServer({ tree: `${source}.tree`, data: source });
  try {
    return await use(server.url);
  } finally {
    await server.close();
  }
}

describe('directory sync', () => {
  const source = at('source');
  const target = at('target');
  makeSource(source);

  it('copies a served tree into an empty directory, then moves nothing when nothing changed', async () => {
    await serving(source, async (url) => {
      const first = await syncDirectoryFrom(url, target);
      expect(same(source, target)).toBe(true);
      expect(first).toMatchObject({ filesWritten: 4, symlinksWritten: 1, directoriesMade: 1 });
      const again = await syncDirectoryFrom(url, target);
      expect(again).toMatchObject({ filesWritten: 0, symlinksWritten: 0, blocksFetched: 0 });
    });
  });

  it('after changes, fetches only the differing blocks, reuses the rest, and removes with --delete only', async () => {
    const big = readFileSync(path.join(source, 'big.bin'));
    big[100 * 4096 + 7]! ^= 1;
    big[400 * 4096]! ^= 1;
    writeFileSync(path.join(source, 'big.bin'), big);
    writeFileSync(path.join(source, 'docs', 'a.txt'), 'alpha, changed\n');
    writeFileSync(path.join(source, 'new.txt'), 'new');
    rmSync(path.join(source, 'zero'));
    writeFileSync(path.join(target, 'local-only.txt'), 'mine');
    await serving(source, async (url) => {
      const kept = await syncDirectoryFrom(url, target);
      // The index, one request for the leaf levels, one for the blocks of all three files.
      expect(kept).toMatchObject({ filesWritten: 3, removed: 0, roundTrips: 3 });
      expect(kept.blocksFetched).toBe(2 + 1 + 1); // two blocks of big.bin, a.txt, new.txt
      expect(kept.blocksReused).toBe(Math.ceil(big.length / 4096) - 2);
      expect(existsSync(path.join(target, 'local-only.txt'))).toBe(true);
      const pruned = await syncDirectoryFrom(url, target, { delete: true });
      expect(pruned.removed).toBe(2); // zero and local-only.txt
      expect(same(source, target)).toBe(true);
    });
  });

  it('a file whose missing blocks exceed one request is fetched in several, and ends whole', async () => {
    const bigSource = at('big-source');
    mkdirSync(bigSource);
    writeFileSync(path.join(bigSource, 'twenty.bin'), randomBytes(random, 20 * 1024 * 1024 + 5));
    writeFileSync(path.join(bigSource, 'small.txt'), 'small');
    const copy = at('big-target');
    await serving(bigSource, async (url) => {
      const report = await syncDirectoryFrom(url, copy);
      expect(report).toMatchObject({ filesWritten: 2, blocksFetched: Math.ceil((20 * 1024 * 1024 + 5) / 4096) + 1 });
      // The index, the leaves, then blocks in requests of at most 16 MiB taken in key order:
      // small.txt, a full 16 MiB run of twenty.bin, and its last 4 MiB.
      expect(report.roundTrips).toBe(1 + 1 + 3);
    });
    expect(same(bigSource, copy)).toBe(true);
  });

  it('with a saved tree of the local copy: files whose stat is unchanged are compared by their records', async () => {
    const copy = at('with-tree');
    const localTree = at('with-tree.tree');
    await serving(source, async (url) => {
      expect(await syncDirectoryFrom(url, copy, { tree: localTree })).toMatchObject({ filesWritten: 4 });
      expect(existsSync(path.join(localTree, 'index'))).toBe(true);
      expect(await syncDirectoryFrom(url, copy, { tree: localTree })).toMatchObject({ filesWritten: 0, blocksFetched: 0 });
      writeFileSync(path.join(copy, 'docs', 'a.txt'), 'locally changed\n');
      expect(await syncDirectoryFrom(url, copy, { tree: localTree })).toMatchObject({ filesWritten: 1 });
      expect(same(source, copy)).toBe(true);
      await expect(syncDirectoryFrom(url, copy, { tree: path.join(copy, 'inside.tree') })).rejects.toThrow(/is inside .* keep it beside/);
    });
  });

  it('through the CLI: merkle serve DIR.tree --data DIR, merkle sync URL DIR --json', async () => {
    const cliTarget = at('cli-target');
    mkdirSync(cliTarget);
    await buildDirectoryTree(source, { out: at('cli.tree') });
    const server = await startDirectorySyncServer({ tree: at('cli.tree'), data: source });
    try {
      const result = await merkleAsync(['sync', server.url, cliTarget, '--json']);
      expect(result.code, result.stderr).toBe(0);
      expect(JSON.parse(result.stdout)).toMatchObject({ filesWritten: 4 });
      expect(same(source, cliTarget)).toBe(true);
    } finally {
      await server.close();
    }
  });
});

describe('directory sync from hostile peers', () => {
  const source = at('hostile-source');
  makeSource(source);

  it('refuses another root than the trusted one before writing anything', async () => {
    const target = at('pinned');
    mkdirSync(target);
    await serving(source, async (url) => {
      await expect(syncDirectoryFrom(url, target, { expectedRoot: '00'.repeat(32) })).rejects.toThrow(/serves root [0-9a-f]{64}, not the trusted 0{64}: nothing was written/);
    });
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses a path that escapes the directory, even in an index whose checksum and root are right', async () => {
    await buildDirectoryTree(source, { out: at('escape.tree') });
    const index = decodeIndex(readFileSync(path.join(at('escape.tree'), 'index')), 'index');
    const evil = { ...index.entries.find((e) => e.fields.type === 'file')!, key: Buffer.from('../escaped.txt') };
    const entries = [evil, ...index.entries];
    const bytes = encodeIndex({ params: index.params, root: await rootOfEntries(index.params, entries), entries });
    const body = gzipSync(bytes);
    const server = createServer((_request, res) => {
      res.writeHead(200, { 'content-length': body.length });
      res.end(body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const target = at('escape-target');
    mkdirSync(target);
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await expect(syncDirectoryFrom(url, target)).rejects.toThrow(/entry 0 \("\.\.\/escaped\.txt"\) is not a canonical relative path/);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
    expect(existsSync(at('escaped.txt'))).toBe(false);
    expect(readdirSync(target)).toEqual([]);
  });

  it('refuses to write through a symlinked parent, leaving what it points to untouched', async () => {
    const target = at('symlinked-target');
    const outside = at('outside');
    mkdirSync(target);
    mkdirSync(outside);
    symlinkSync(outside, path.join(target, 'docs'));
    await serving(source, async (url) => {
      await expect(syncDirectoryFrom(url, target)).rejects.toThrow(/"docs\/a.txt": its parent .*docs" is a symbolic link here: refusing to write through it/);
    });
    expect(readdirSync(outside)).toEqual([]);
  });

  it('refuses bytes that do not match the root, and the file it was writing is left as it was', async () => {
    const target = at('tampered-target');
    await serving(source, async (url) => {
      await syncDirectoryFrom(url, target);
    });
    const before = readFileSync(path.join(target, 'big.bin'));
    rmSync(`${source}.tree`, { recursive: true, force: true });
    const changed = readFileSync(path.join(source, 'big.bin'));
    changed[12345]! ^= 1;
    writeFileSync(path.join(source, 'big.bin'), changed);
    await buildDirectoryTree(source, { out: `${source}.tree`, blockSize: 4096 });
    const server = await startDirectorySyncServer({ tree: `${source}.tree`, data: source });
    try {
      // The peer's data changes after its tree was saved: what it sends no longer matches.
      changed[12345]! ^= 3;
      writeFileSync(path.join(source, 'big.bin'), changed);
      const error = await syncDirectoryFrom(server.url, target).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SyncVerifyError);
      expect((error as Error).message).toMatch(/"big.bin": a block the peer sent in 3\.\.3 does not match its leaf hash/);
    } finally {
      await server.close();
    }
    expect(readFileSync(path.join(target, 'big.bin')).equals(before)).toBe(true);
    expect(temps(target)).toEqual([]);
  });
});
