/**
 * Keyed repair over loopback HTTP between two real SQLite databases: after a sync the tables
 * are identical row by row; a lying peer, a root that is not the trusted one, or another tree
 * shape leave the local database untouched.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { IncompatibleTreesError, SyncVerifyError } from '../../src/errors.js';
import { loadKeyedTree } from '../../src/keyed/load.js';
import { openKeyedTree } from '../../src/keyed/open.js';
import { SqliteReplica } from '../../src/keyed/sources/sqlite-replica.js';
import { sqliteRows } from '../../src/keyed/sources/sqlite-rows.js';
import { startKeyedSyncServer } from '../../src/keyed/sync/server.js';
import type { KeyedTree } from '../../src/keyed/tree.js';
import { syncKeyed } from '../../src/keyed/sync/client.js';
import { encodeRecords } from '../../src/keyed/records.js';
import { encodeFetchRequest, encodeReconcileRequest, PATH_KV_FETCH, PATH_KV_RECONCILE } from '../../src/keyed/sync/fingerprints.js';
import type { RowChange, RowSource } from '../../src/keyed/rows.js';

const dir = mkdtempSync(path.join(tmpdir(), 'keyed-sync-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function makeDb(name: string, rows: number, edit?: (db: Database.Database) => void): string {
  const file = path.join(dir, `${name}.db`);
  const db = new Database(file);
  db.exec('CREATE TABLE users (id TEXT PRIMARY KEY, name TEXT, score INTEGER, weight REAL, avatar BLOB)');
  const insert = db.prepare('INSERT INTO users VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run(`user:${i}`, `name ${i}`, BigInt(i) * 1_000_000_007n, i / 7, i % 5 === 0 ? null : Buffer.from([i & 255, (i >> 8) & 255]));
  })();
  edit?.(db);
  db.close();
  return file;
}

function tableRows(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  db.defaultSafeIntegers(true);
  const rows = db.prepare('SELECT * FROM users ORDER BY id').all();
  db.close();
  return rows;
}

const source = (file: string) => ({ path: file, table: 'users', keyColumn: 'id' });

async function treeOf(file: string, bucketBits = 10) {
  const tree = await openKeyedTree(undefined, { bucketBits });
  await loadKeyedTree(tree, sqliteRows(source(file)));
  return tree;
}

/**
 * withRepair serves `tree` with table `a`'s rows (or what `rows` makes of them) and runs `use`
 * with a sink over table `b`; everything is closed after.
 */
async function withRepair(a: string, b: string, tree: KeyedTree, use: (url: string, target: SqliteReplica) => Promise<void>, rows?: (honest: RowSource) => RowSource): Promise<void> {
  const served = await SqliteReplica.open(source(a));
  const server = await startKeyedSyncServer({ tree, rows: rows ? rows(served) : served });
  const target = await SqliteReplica.open(source(b), true);
  try {
    await use(server.url, target);
  } finally {
    target.close();
    served.close();
    await server.close();
  }
}

describe('keyed repair between two SQLite databases', () => {
  it('makes the tables identical, moving exactly the differing rows', async () => {
    const a = makeDb('a', 3000);
    const b = makeDb('b', 3000, (db) => {
      db.prepare("UPDATE users SET name = 'stale' WHERE id IN ('user:5', 'user:1234')").run();
      db.prepare("DELETE FROM users WHERE id IN ('user:77', 'user:2999')").run();
      db.prepare("INSERT INTO users VALUES ('user:extra', 'only in b', 1, 0.5, NULL)").run();
    });
    expect(tableRows(a)).not.toEqual(tableRows(b));
    const treeA = await treeOf(a);
    const treeB = await treeOf(b);
    await withRepair(a, b, treeA, async (url, target) => {
      const report = await syncKeyed(url, treeB, target);
      expect(report).toMatchObject({ method: 'fingerprints', rowsPut: 4, rowsDeleted: 1, root: Buffer.from(treeA.root()).toString('hex') });
      expect(report.fallback).toBeUndefined();
      expect(report.differingBuckets).toBeLessThanOrEqual(5);
      // Two trips of fingerprints, one of rows.
      expect(report.roundTrips).toBe(3);
      expect(tableRows(b)).toEqual(tableRows(a));
      // A second sync finds the roots equal from the first answer alone.
      const again = await syncKeyed(url, treeB, target);
      expect(again).toMatchObject({ rowsPut: 0, rowsDeleted: 0, roundTrips: 1 });
    });
  });

  it('repairs the same differences by the verified walk', async () => {
    const a = makeDb('walk-a', 2000);
    const b = makeDb('walk-b', 2000, (db) => {
      db.prepare("UPDATE users SET name = 'stale' WHERE id = 'user:5'").run();
      db.prepare("DELETE FROM users WHERE id = 'user:77'").run();
    });
    const treeA = await treeOf(a);
    const treeB = await treeOf(b);
    await withRepair(a, b, treeA, async (url, target) => {
      const report = await syncKeyed(url, treeB, target, { method: 'walk', levelsPerTrip: 5 });
      // meta, 2 node trips (10 levels at 5 per trip), buckets, rows.
      expect(report).toMatchObject({ method: 'walk', rowsPut: 2, rowsDeleted: 0, roundTrips: 5 });
      expect(tableRows(b)).toEqual(tableRows(a));
    });
  });

  it('falls back to the walk when a truncated fingerprint matches where the trees differ', async () => {
    // One bucket (0 bucket bits): the bucket hash is the top node. Find a second value for the
    // key whose bucket hash shares its first 2 bytes with the first's: the 2-byte fingerprint
    // exchange then sees no difference, and only the root check catches it.
    const probe = await openKeyedTree(undefined, { bucketBits: 0 });
    const key = Buffer.from('k');
    const candidates = Array.from({ length: 1 << 18 }, (_, i) => `value ${i}`);
    const digests = probe.hasher.valueDigests(candidates);
    const hashes = probe.hasher.recordsHashes(candidates.map((_, i) => encodeRecords([{ key, digest: digests.subarray(i * 32, (i + 1) * 32) }], 32)));
    const seen = new Map<string, number>();
    let pair: [number, number] | undefined;
    for (let i = 0; i < candidates.length && pair === undefined; i++) {
      const prefix = Buffer.from(hashes.subarray(i * 32, i * 32 + 2)).toString('hex');
      const j = seen.get(prefix);
      if (j === undefined) seen.set(prefix, i);
      else pair = [j, i];
    }
    expect(pair).toBeDefined();
    const [first, second] = pair!;
    const rowsOf = (value: string) => new Map([[key.toString('latin1'), Buffer.from(value)]]);
    const served = rowsOf(candidates[first]!);
    const local = rowsOf(candidates[second]!);
    const treeA = await openKeyedTree(undefined, { bucketBits: 0 });
    treeA.put(key, candidates[first]!);
    const treeB = await openKeyedTree(undefined, { bucketBits: 0 });
    treeB.put(key, candidates[second]!);
    const server = await startKeyedSyncServer({ tree: treeA, rows: { rows: (keys) => keys.map((k) => served.get(Buffer.from(k).toString('latin1'))) } });
    const sink = {
      apply: (changes: readonly RowChange[]) => {
        for (const c of changes) c.value === undefined ? local.delete(Buffer.from(c.key).toString('latin1')) : local.set(Buffer.from(c.key).toString('latin1'), Buffer.from(c.value));
      },
    };
    try {
      const report = await syncKeyed(server.url, treeB, sink, { fingerprintBytes: 2 });
      expect(report).toMatchObject({ method: 'walk', fallback: expect.stringMatching(/did not reach the peer's root/), rowsPut: 1, root: Buffer.from(treeA.root()).toString('hex') });
      expect(local).toEqual(served);
    } finally {
      await server.close();
    }
  });

  it('refuses a peer whose row does not hash to its digest, and writes nothing', async () => {
    const a = makeDb('lying-a', 500);
    const b = makeDb('lying-b', 500, (db) => db.prepare("UPDATE users SET name = 'stale' WHERE id = 'user:9'").run());
    const treeA = await treeOf(a, 8);
    const treeB = await treeOf(b, 8);
    const lying = (honest: RowSource): RowSource => ({
      rows: (keys) =>
        honest.rows(keys).map((value) => {
          if (value === undefined) return value;
          const copy = Buffer.from(value);
          copy[copy.length - 1]! ^= 1;
          return copy;
        }),
    });
    const before = tableRows(b);
    const rootBefore = Buffer.from(treeB.root()).toString('hex');
    await withRepair(
      a,
      b,
      treeA,
      async (url, target) => {
        await expect(syncKeyed(url, treeB, target)).rejects.toThrow(SyncVerifyError);
        await expect(syncKeyed(url, treeB, target)).rejects.toThrow(/row for key 757365723a39 does not match the entry it was fetched for/);
        await expect(syncKeyed(url, treeB, target, { method: 'walk' })).rejects.toThrow(/does not hash to its digest/);
        expect(tableRows(b)).toEqual(before);
        expect(Buffer.from(treeB.root()).toString('hex')).toBe(rootBefore);
        // A trusted root that is not the peer's is refused before anything moves.
        await expect(syncKeyed(url, treeB, target, { expectedRoot: rootBefore })).rejects.toThrow(/not the trusted root/);
        // Another tree shape is not a replica.
        const other = await openKeyedTree(undefined, { bucketBits: 9 });
        await expect(syncKeyed(url, other, target)).rejects.toThrow(IncompatibleTreesError);
      },
      lying,
    );
  });

  it('the server refuses malformed and oversized requests by name', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 4 });
    tree.put('k', 'v');
    const server = await startKeyedSyncServer({ tree, rows: { rows: (keys) => keys.map(() => undefined) }, limits: { maxNodes: 4 } });
    const root = Buffer.from(tree.root()).toString('hex');
    const post = async (p: string, body: unknown) => {
      const res = await fetch(`${server.url}${p}`, { method: 'POST', body: JSON.stringify(body) });
      return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
    };
    try {
      expect(await post('/kv/v1/nodes', { root, level: 0, ranges: [[0, 16]] })).toMatchObject({ status: 400, body: { error: { message: '16 nodes asked for, at most 4' } } });
      expect(await post('/kv/v1/nodes', { root, level: 9, ranges: [] })).toMatchObject({ status: 400 });
      expect(await post('/kv/v1/buckets', { root: 'ab', buckets: [0] })).toMatchObject({ status: 409 });
      expect(await post('/kv/v1/rows', { root, keys: ['zz'] })).toMatchObject({ status: 400 });
      expect((await fetch(`${server.url}/kv/v1/nope`)).status).toBe(404);
      // The binary fingerprint messages: cut short, another shape, out of range, too many.
      const postBytes = async (p: string, body: Uint8Array) => {
        const res = await fetch(`${server.url}${p}`, { method: 'POST', body });
        return { status: res.status, body: (await res.json()) as { error: { code: string; message: string } } };
      };
      const head = { f: 3, params: tree.params };
      const groups = (first: number, n: number) => [{ first, fingerprints: new Uint8Array(n * 3) }];
      const good = encodeReconcileRequest({ ...head, level: 4, answerLevel: 2, groups: groups(0, 1) });
      expect(await postBytes(PATH_KV_RECONCILE, good.subarray(0, good.length - 1))).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/ends inside group 0's fingerprints/) } } });
      expect(await postBytes(PATH_KV_RECONCILE, Buffer.concat([good, Buffer.from([0])]))).toMatchObject({ status: 400, body: { error: { message: expect.stringMatching(/1 bytes past its end/) } } });
      expect(await postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, params: { ...tree.params, bucketBits: 5 }, level: 5, answerLevel: 2, groups: groups(0, 1) }))).toMatchObject({ status: 422, body: { error: { code: 'ERR_MERKLE_INCOMPATIBLE' } } });
      expect(await postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, level: 2, answerLevel: 0, groups: groups(3, 2) }))).toMatchObject({ status: 400, body: { error: { message: 'group 0 [3, 5) is outside 0..4' } } });
      expect(await postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, level: 2, answerLevel: 3, groups: groups(0, 1) }))).toMatchObject({ status: 400, body: { error: { message: 'answer level 3 must be below level 2' } } });
      expect(await postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, level: 0, answerLevel: 0, groups: groups(0, 16) }))).toMatchObject({ status: 400, body: { error: { message: 'more than 4 fingerprints' } } });
      // 4 differing nodes at level 2, 4 descendants each at level 0: 16 fingerprints, past maxNodes.
      expect(await postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, level: 2, answerLevel: 0, groups: groups(0, 4) }))).toMatchObject({ status: 413 });
      expect(await postBytes(PATH_KV_FETCH, encodeFetchRequest({ ...head, groups: groups(16, 1) }))).toMatchObject({ status: 400, body: { error: { message: 'group 0: bucket 16 is past the last (15)' } } });
      expect(await postBytes(PATH_KV_FETCH, Uint8Array.of(9, 3))).toMatchObject({ status: 400, body: { error: { message: 'fingerprint message version 9; this peer speaks 1' } } });
    } finally {
      await server.close();
    }
  });
});

describe('merkle kv serve / kv sync', () => {
  it('repairs a SQLite table from a served one over loopback, then finds nothing to do', async () => {
    const { spawn } = await import('node:child_process');
    const { merkle } = await import('../helpers/cli.js');
    const { kRepoRoot } = await import('../helpers/vectors.js');
    const a = makeDb('cli-a', 800);
    const b = makeDb('cli-b', 800, (db) => {
      db.prepare("UPDATE users SET score = -1 WHERE id = 'user:3'").run();
      db.prepare("DELETE FROM users WHERE id = 'user:400'").run();
    });
    const table = ['--table', 'users', '--key-column', 'id', '--bucket-bits', '8'];
    const server = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'kv', 'serve', '--sqlite', a, ...table], { stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        server.stdout.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (out.includes('\n')) resolve(out.trim());
        });
        server.on('exit', (code) => reject(new Error(`kv serve exited ${code}`)));
      });
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const first = merkle(['kv', 'sync', url, '--sqlite', b, ...table, '--json']);
      expect(first.stderr).toBe('');
      expect(JSON.parse(first.stdout)).toMatchObject({ rowsPut: 2, rowsDeleted: 0 });
      expect(tableRows(b)).toEqual(tableRows(a));
      const second = merkle(['kv', 'sync', url, '--sqlite', b, ...table, '--json']);
      expect(JSON.parse(second.stdout)).toMatchObject({ rowsPut: 0, rowsDeleted: 0, roundTrips: 1 });
      const pinned = merkle(['kv', 'sync', url, '--sqlite', b, ...table, '--root', '00'.repeat(32)]);
      expect([pinned.code, pinned.stderr]).toEqual([2, expect.stringMatching(/not the trusted root/)]);
      const missing = merkle(['kv', 'sync', url, '--sqlite', b]);
      expect([missing.code, missing.stderr.trim()]).toEqual([2, 'merkle: kv sync: --sqlite DB, --table T and --key-column C are required']);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
