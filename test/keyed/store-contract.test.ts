/**
 * The KeyedStore contract, run against every store: MemoryStore (the reference) and LmdbStore.
 * Then what only a persistent store has (reopening, refusing paths), and a random-operations
 * comparison of LmdbStore against MemoryStore.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { open } from 'lmdb';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { openLmdbStore } from '../../src/keyed/lmdb-store.js';
import { MemoryStore } from '../../src/keyed/memory-store.js';
import { decodeRecords } from '../../src/keyed/records.js';
import type { BucketedWrite, KeyedParams, KeyedStore } from '../../src/keyed/store.js';

const kDigestSize = 32;
const kParams: KeyedParams = { hash: 'sha256', bucketBits: 4, salt: Uint8Array.from([1, 2, 3]) };
const kBuckets = 2 ** kParams.bucketBits;

const scratch = mkdtempSync(path.join(tmpdir(), 'keyed-store-'));
let dirCount = 0;
const newDir = (): string => path.join(scratch, `store-${dirCount++}`);
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const hex = (bytes: Uint8Array | undefined): string | undefined => (bytes === undefined ? undefined : Buffer.from(bytes).toString('hex'));
const bytes = (...values: number[]): Uint8Array => Uint8Array.from(values);
/** A digest that says which write made it. */
const digest = (n: number): Uint8Array => new Uint8Array(kDigestSize).fill(n & 0xff);
const put = (bucket: number, key: Uint8Array | string, n: number): BucketedWrite => ({ type: 'put', bucket, key: typeof key === 'string' ? Buffer.from(key) : key, digest: digest(n) });
const del = (bucket: number, key: Uint8Array | string): BucketedWrite => ({ type: 'delete', bucket, key: typeof key === 'string' ? Buffer.from(key) : key });
/** The entries of buckets [first, end), decoded from the store's records. */
const entriesOf = (store: KeyedStore, first = 0, end = kBuckets) =>
  Array.from(store.records(first, end)).flatMap(({ bucket, records }) => decodeRecords(records, kDigestSize).map((e) => ({ bucket, ...e })));
const bucketEntries = (store: KeyedStore, bucket: number) => decodeRecords(store.bucketRecords(bucket), kDigestSize);
const listed = (store: KeyedStore, first = 0, end = kBuckets): string[] => entriesOf(store, first, end).map((e) => `${e.bucket}:${hex(e.key)}=${hex(e.digest)}`);

interface Kind {
  readonly name: string;
  /** A new empty store; `dir` is where a persistent one lives. */
  create(dir: string): KeyedStore;
  /** Closes and opens again (a persistent store), or undefined. */
  reopen?(store: KeyedStore, dir: string): KeyedStore;
}

const kKinds: Kind[] = [
  { name: 'MemoryStore', create: () => new MemoryStore() },
  {
    name: 'LmdbStore',
    create: (dir) => openLmdbStore(dir),
    reopen: (store, dir) => {
      store.close();
      return openLmdbStore(dir);
    },
  },
];

function withStore(kind: Kind, run: (store: KeyedStore, dir: string) => KeyedStore | void): void {
  const dir = newDir();
  let store = kind.create(dir);
  try {
    store.writeParams(kParams);
    store = run(store, dir) ?? store;
  } finally {
    store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.each(kKinds)('KeyedStore contract: $name', (kind) => {
  it('keeps the parameters', () => {
    const dir = newDir();
    const store = kind.create(dir);
    try {
      expect(store.readParams()).toBeUndefined();
      expect(store.count()).toBe(0);
      store.writeParams(kParams);
      const params = store.readParams()!;
      expect([params.hash, params.bucketBits, hex(params.salt)]).toEqual(['sha256', 4, '010203']);
      store.writeParams({ hash: 'blake3', bucketBits: 20, salt: new Uint8Array(0) });
      const again = store.readParams()!;
      expect([again.hash, again.bucketBits, hex(again.salt)]).toEqual(['blake3', 20, '']);
    } finally {
      store.close();
    }
  });

  it('puts, replaces and deletes, counting entries exactly', () => {
    withStore(kind, (store) => {
      store.apply([put(1, 'a', 1), put(1, 'b', 2), put(2, 'a', 3)]);
      expect(store.count()).toBe(3);
      expect(hex(store.get(1, Buffer.from('a')))).toBe(hex(digest(1)));
      expect(hex(store.get(2, Buffer.from('a')))).toBe(hex(digest(3)));
      expect(store.get(3, Buffer.from('a'))).toBeUndefined();

      store.apply([put(1, 'a', 9)]); // a replacement is not a new entry
      expect(store.count()).toBe(3);
      expect(hex(store.get(1, Buffer.from('a')))).toBe(hex(digest(9)));

      store.apply([del(1, 'a'), del(1, 'zz'), del(7, 'a')]); // absent keys: nothing happens
      expect(store.count()).toBe(2);
      expect(store.get(1, Buffer.from('a'))).toBeUndefined();

      // One batch touching one key many times counts by the final state.
      store.apply([put(3, 'x', 1), put(3, 'x', 2), del(3, 'x'), put(3, 'x', 4), del(2, 'a'), del(2, 'a'), put(2, 'a', 5)]);
      expect(store.count()).toBe(3);
      expect(hex(store.get(3, Buffer.from('x')))).toBe(hex(digest(4)));
      expect(hex(store.get(2, Buffer.from('a')))).toBe(hex(digest(5)));

      store.apply([]);
      expect(store.count()).toBe(3);
      expect(listed(store)).toEqual([`1:62=${hex(digest(2))}`, `2:61=${hex(digest(5))}`, `3:78=${hex(digest(4))}`]);
    });
  });

  it('keeps a bucket sorted by Buffer.compare, prefixes and high bytes included', () => {
    withStore(kind, (store) => {
      const keys = [
        bytes(), bytes(0), bytes(0, 0), bytes(1), bytes(1, 0), bytes(1, 2, 3), bytes(1, 2, 3, 4), bytes(1, 2, 3, 4, 5),
        bytes(0x7f), bytes(0x80), bytes(0x80, 0), bytes(0xfe, 0xff), bytes(0xff), bytes(0xff, 0xff), bytes(0xff, 0xff, 0xff, 0xff, 0),
        Buffer.from('abc'), Buffer.from('abcd'), Buffer.from('abd'), Buffer.from('ab'), new Uint8Array(1024).fill(0xaa),
      ];
      const shuffled = keys.map((key, i) => ({ key, order: (i * 7919) % keys.length })).sort((a, b) => a.order - b.order);
      store.apply(shuffled.slice(0, 10).map(({ key }, i) => put(5, key, i)));
      store.apply(shuffled.slice(10).map(({ key }, i) => put(5, key, i + 10)));
      store.apply([put(4, bytes(0xff), 1), put(6, bytes(0), 1)]); // neighbours must not leak in
      const want = [...keys].sort(Buffer.compare).map((key) => hex(key));
      expect(bucketEntries(store, 5).map((e) => hex(e.key))).toEqual(want);
      expect(bucketEntries(store, 5).every((e) => e.digest.length === kDigestSize)).toBe(true);
      expect(bucketEntries(store, 9)).toEqual([]);
      expect(store.count()).toBe(keys.length + 2);
    });
  });

  it('lists entries of a bucket range in bucket order, then key order', () => {
    withStore(kind, (store) => {
      const writes: BucketedWrite[] = [];
      for (const bucket of [15, 0, 7, 3, 8, 1]) for (const key of ['b', 'a', 'ba', '\u00ff']) writes.push(put(bucket, key, bucket));
      store.apply(writes);
      const all = listed(store);
      const sorted = [...writes].sort((a, b) => a.bucket - b.bucket || Buffer.compare(a.key, b.key)).map((w) => `${w.bucket}:${hex(w.key)}=${hex(digest(w.bucket))}`);
      expect(all).toEqual(sorted);
      expect(listed(store, 3, 8)).toEqual(sorted.filter((line) => ['3', '7'].includes(line.split(':')[0]!)));
      expect(listed(store, 8, 9)).toEqual(sorted.filter((line) => line.startsWith('8:')));
      expect(listed(store, 4, 4)).toEqual([]);
      expect(listed(store, 9, 15)).toEqual([]);
      // Lazily: stopping early is fine, and a later listing still works.
      const iterator = store.records(0, kBuckets);
      expect(iterator.next().done).toBe(false);
      iterator.return?.();
      expect(listed(store)).toEqual(sorted);
    });
  });

  it('marks written buckets dirty until their hashes are saved', () => {
    withStore(kind, (store) => {
      store.apply([put(2, 'a', 1), put(9, 'b', 2), del(11, 'absent')]);
      expect(store.bucketHashes(kDigestSize).dirty).toEqual([2, 9, 11]);

      const saved = new Uint8Array(2 * kDigestSize);
      saved.fill(0x22, 0, kDigestSize);
      saved.fill(0x99, kDigestSize);
      store.saveBucketHashes([2, 9], saved);
      saved.fill(0); // the store kept its own copy
      const after = store.bucketHashes(kDigestSize);
      expect(after.dirty).toEqual([11]);
      expect(after.hashes.length).toBe(kBuckets * kDigestSize);
      for (let bucket = 0; bucket < kBuckets; bucket++) {
        const want = bucket === 2 ? 0x22 : bucket === 9 ? 0x99 : 0;
        expect(after.hashes.subarray(bucket * kDigestSize, (bucket + 1) * kDigestSize).every((b) => b === want), `bucket ${bucket}`).toBe(true);
      }

      store.apply([put(9, 'c', 3)]); // dirty again; its saved hash stays until replaced
      const again = store.bucketHashes(kDigestSize);
      expect(again.dirty).toEqual([9, 11]);
      expect(again.hashes[9 * kDigestSize]).toBe(0x99);
      store.saveBucketHashes([], new Uint8Array(0));
      expect(store.bucketHashes(kDigestSize).dirty).toEqual([9, 11]);
    });
  });

  it('reports zero hashes for buckets never saved', () => {
    withStore(kind, (store) => {
      const { hashes, dirty } = store.bucketHashes(kDigestSize);
      expect(hashes.length).toBe(kBuckets * kDigestSize);
      expect(hashes.every((b) => b === 0)).toBe(true);
      expect(dirty).toEqual([]);
    });
  });

  it('clears entries, hashes and dirty marks, keeping the parameters', () => {
    withStore(kind, (store) => {
      store.apply([put(1, 'a', 1), put(2, 'b', 2)]);
      store.saveBucketHashes([1], new Uint8Array(kDigestSize).fill(7));
      store.clear();
      expect(store.count()).toBe(0);
      expect(listed(store)).toEqual([]);
      expect(store.get(2, Buffer.from('b'))).toBeUndefined();
      const { hashes, dirty } = store.bucketHashes(kDigestSize);
      expect(hashes.every((b) => b === 0)).toBe(true);
      expect(dirty).toEqual([]);
      expect(store.readParams()?.hash).toBe('sha256');
      store.apply([put(2, 'b', 3)]);
      expect(store.count()).toBe(1);
    });
  });

  it('copies what it is given and hands out bytes that stay valid', () => {
    withStore(kind, (store) => {
      const key = Buffer.from('key-1');
      const value = digest(1);
      store.apply([{ type: 'put', bucket: 3, key, digest: value }]);
      key.fill(0x7a);
      value.fill(0xee);
      expect(hex(store.get(3, Buffer.from('key-1')))).toBe(hex(digest(1)));
      expect(store.get(3, key)).toBeUndefined();

      store.apply([put(3, 'key-2', 2), put(4, 'key-3', 3)]);
      const first = store.get(3, Buffer.from('key-1'))!;
      const entries = bucketEntries(store, 3);
      // Further reads of every kind must not change what was handed out.
      store.get(3, Buffer.from('key-2'));
      store.get(4, Buffer.from('key-3'));
      listed(store);
      store.bucketHashes(kDigestSize);
      expect(hex(first)).toBe(hex(digest(1)));
      store.apply([put(3, 'key-1', 9), put(4, 'key-3', 8)]);
      store.get(4, Buffer.from('key-3'));
      expect(hex(first)).toBe(hex(digest(1)));
      expect(entries.map((e) => `${Buffer.from(e.key).toString()}=${hex(e.digest)}`)).toEqual([`key-1=${hex(digest(1))}`, `key-2=${hex(digest(2))}`]);
      expect(first).toBeInstanceOf(Uint8Array);
    });
  });

  it.runIf(kind.reopen !== undefined)('keeps everything across close and reopen (persistent stores only: a memory store has nothing to reopen)', () => {
    withStore(kind, (store, dir) => {
      store.apply([put(1, 'a', 1), put(1, bytes(0xff, 0), 2), put(15, 'z', 3)]);
      store.saveBucketHashes([1], new Uint8Array(kDigestSize).fill(0x11));
      store.apply([del(15, 'absent')]);
      const before = { entries: listed(store), hashes: store.bucketHashes(kDigestSize) };
      const reopened = kind.reopen!(store, dir);
      const params = reopened.readParams()!;
      expect([params.hash, params.bucketBits, hex(params.salt)]).toEqual(['sha256', 4, '010203']);
      expect(reopened.count()).toBe(3);
      expect(listed(reopened)).toEqual(before.entries);
      const after = reopened.bucketHashes(kDigestSize);
      expect(after.dirty).toEqual([15]);
      expect(hex(after.hashes)).toBe(hex(before.hashes.hashes));
      return reopened;
    });
  });
});

describe('LmdbStore', () => {
  it('takes keys of 1024 bytes, and applies a batch that fails nowhere at all', () => {
    withStore(kKinds[1]!, (store) => {
      store.apply([put(0, new Uint8Array(1024).fill(1), 1)]);
      expect(store.count()).toBe(1);
      // A bucket past 32 bits has no key: the write fails inside the transaction, after bucket 0's.
      expect(() => store.apply([put(0, 'before', 2), put(2 ** 32, 'x', 3), put(0, 'after', 4)])).toThrow();
      expect(store.count()).toBe(1);
      expect(store.get(0, Buffer.from('before'))).toBeUndefined();
      expect(store.bucketHashes(kDigestSize).dirty).toEqual([0]);
      store.apply([put(0, 'after', 4)]);
      expect(store.count()).toBe(2);
    });
  });

  it('refuses, naming it, a path that is not a keyed tree', () => {
    const refused = (target: string, pattern: RegExp): void => {
      let caught: unknown;
      try {
        openLmdbStore(target).close();
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(InputError);
      expect((caught as Error).message).toContain(target);
      expect((caught as Error).message).toMatch(pattern);
    };
    const file = path.join(scratch, 'a-file');
    writeFileSync(file, 'not a directory');
    refused(file, /not a directory/);

    const others = newDir();
    mkdirSync(others);
    writeFileSync(path.join(others, 'notes.txt'), 'x');
    refused(others, /other files/);

    const garbage = newDir();
    mkdirSync(garbage);
    writeFileSync(path.join(garbage, 'data.mdb'), Buffer.alloc(16384, 0x5a));
    refused(garbage, /not an LMDB/);
    const short = newDir();
    mkdirSync(short);
    writeFileSync(path.join(short, 'data.mdb'), 'tiny');
    refused(short, /not an LMDB/);

    const foreign = newDir();
    const env = open({ path: foreign, noSubdir: false });
    env.openDB('accounts', { keyEncoding: 'binary', encoding: 'binary' }).putSync(Buffer.from('k'), Buffer.from('v'));
    void env.close();
    refused(foreign, /something else.*accounts/);

    // An empty directory becomes a store.
    const empty = newDir();
    mkdirSync(empty);
    const store = openLmdbStore(empty);
    expect(store.readParams()).toBeUndefined();
    store.close();
  });

  it('refuses damaged records by bucket and reason, a damaged log entry, and a store of format 1', () => {
    const dir = newDir();
    const store = openLmdbStore(dir);
    store.writeParams(kParams);
    store.apply([put(1, 'a', 1), put(2, 'a', 2), put(3, 'a', 3), put(3, 'b', 4)]);
    store.saveBucketHashes([1, 2, 3], new Uint8Array(3 * kDigestSize)); // folds the log into the buckets
    store.close();
    const env = open({ path: dir, noSubdir: false, maxDbs: 8 });
    const entries = env.openDB('entries', { keyEncoding: 'binary', encoding: 'binary' });
    const bucket = (b: number) => Buffer.from([0, 0, 0, b]);
    const good = Buffer.from(entries.get(bucket(3)) as Uint8Array);
    entries.putSync(bucket(1), good.subarray(0, 10)); // cut short
    const swapped = Buffer.concat([good.subarray(good.length / 2), good.subarray(0, good.length / 2)]);
    entries.putSync(bucket(3), swapped); // keys out of order
    const huge = Buffer.from(good);
    huge.writeUInt32BE(0x7fffffff, 0);
    entries.putSync(bucket(2), huge); // a key longer than any key
    void env.close();
    const damaged = openLmdbStore(dir);
    try {
      expect(() => damaged.bucketRecords(1)).toThrow(/damaged: bucket 1: a record at byte 0 is cut short/);
      expect(() => damaged.get(2, Buffer.from('a'))).toThrow(/damaged: bucket 2: the record at byte 0 claims a key of 2147483647 bytes/);
      expect(() => Array.from(damaged.records(3, 4))).toThrow(/damaged: bucket 3: the keys at bytes 0 and 37 are out of order/);
      expect(() => damaged.apply([put(3, 'c', 5)])).toThrow(InputError);
      expect(hex(damaged.bucketRecords(4))).toBe('');
    } finally {
      damaged.close();
    }

    // A damaged log entry (writes not yet folded into their buckets).
    const logged = newDir();
    const withLog = openLmdbStore(logged);
    withLog.writeParams(kParams);
    withLog.apply([put(5, 'logged', 5)]);
    withLog.close();
    const logEnv = open({ path: logged, noSubdir: false, maxDbs: 8 });
    const log = logEnv.openDB('log', { keyEncoding: 'binary', encoding: 'binary' });
    const [logKey] = Array.from(log.getKeys({ start: Buffer.alloc(0) })) as Uint8Array[];
    log.putSync(logKey!, Buffer.from([7, 0, 0, 0, 5, 0, 1, 0x6c])); // a write of kind 7
    void logEnv.close();
    const damagedLog = openLmdbStore(logged);
    try {
      expect(() => damagedLog.bucketRecords(5)).toThrow(/damaged: log entry 1: the write at byte 0 is malformed/);
    } finally {
      damagedLog.close();
    }

    const old = newDir();
    const oldEnv = open({ path: old, noSubdir: false, maxDbs: 8 });
    oldEnv.openDB('meta', { keyEncoding: 'binary', encoding: 'binary' }).putSync(Buffer.from('format'), Buffer.from([0, 0, 0, 1]));
    void oldEnv.close();
    expect(() => openLmdbStore(old)).toThrow(/format 1; this build reads format 2/);
  });

  it('shares one environment between stores of one path, and refuses use after close', () => {
    const dir = newDir();
    const first = openLmdbStore(dir);
    first.writeParams(kParams);
    first.apply([put(1, 'a', 1)]);
    const second = openLmdbStore(dir);
    expect(second.count()).toBe(1);
    first.close();
    second.apply([put(1, 'b', 2)]); // closing one store leaves the other working
    expect(second.count()).toBe(2);
    second.close();
    expect(() => second.count()).toThrow(InputError);
    expect(() => second.apply([put(1, 'c', 3)])).toThrow(/closed/);
    const third = openLmdbStore(dir);
    expect(listed(third)).toEqual([`1:61=${hex(digest(1))}`, `1:62=${hex(digest(2))}`]);
    third.close();
  });

  it('scans the hashes of 2^16 buckets quickly', () => {
    const dir = newDir();
    const store = openLmdbStore(dir);
    try {
      const bucketBits = 16;
      store.writeParams({ ...kParams, bucketBits });
      const buckets = Array.from({ length: 2 ** bucketBits }, (_, i) => i);
      const hashes = new Uint8Array(buckets.length * kDigestSize);
      for (const bucket of buckets) hashes.fill(bucket & 0xff, bucket * kDigestSize, (bucket + 1) * kDigestSize);
      store.saveBucketHashes(buckets, hashes);
      const started = performance.now();
      const got = store.bucketHashes(kDigestSize);
      expect(performance.now() - started).toBeLessThan(2000);
      expect(got.dirty).toEqual([]);
      expect(Buffer.compare(got.hashes, hashes)).toBe(0);
    } finally {
      store.close();
    }
  });
});

// Random batches, hash saves, clears and reopens, applied to both stores; after every step the
// LMDB store must answer exactly as the reference does.
describe('LmdbStore against MemoryStore', () => {
  const keyArb = fc.oneof(
    fc.constantFrom(bytes(), bytes(0), bytes(0, 0), bytes(1), bytes(1, 0xff), bytes(0x80), bytes(0xff), bytes(0xff, 0xff)),
    fc.uint8Array({ minLength: 0, maxLength: 6, max: 3 }),
  );
  const writeArb = fc.oneof(
    fc.record({ type: fc.constant('put' as const), bucket: fc.nat(7), key: keyArb, digest: fc.uint8Array({ minLength: kDigestSize, maxLength: kDigestSize }) }),
    fc.record({ type: fc.constant('delete' as const), bucket: fc.nat(7), key: keyArb }),
  );
  type Step = { op: 'apply'; writes: BucketedWrite[] } | { op: 'save'; buckets: number[]; fill: number } | { op: 'clear' } | { op: 'reopen' };
  const stepArb: fc.Arbitrary<Step> = fc.oneof(
    { weight: 6, arbitrary: fc.record({ op: fc.constant('apply' as const), writes: fc.array(writeArb, { maxLength: 12 }) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('save' as const), buckets: fc.uniqueArray(fc.nat(7), { maxLength: 4 }), fill: fc.nat(255) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('clear' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('reopen' as const) }) },
  );
  const params: KeyedParams = { hash: 'sha256', bucketBits: 3, salt: new Uint8Array(0) };

  it('answers like the reference after every step', () => {
    fc.assert(
      fc.property(fc.array(stepArb, { minLength: 1, maxLength: 15 }), (steps) => {
        const dir = newDir();
        const reference = new MemoryStore();
        let lmdb = openLmdbStore(dir);
        try {
          reference.writeParams(params);
          lmdb.writeParams(params);
          for (const step of steps) {
            if (step.op === 'apply') {
              reference.apply(step.writes);
              lmdb.apply(step.writes);
            } else if (step.op === 'save') {
              const hashes = new Uint8Array(step.buckets.length * kDigestSize).fill(step.fill);
              reference.saveBucketHashes(step.buckets, hashes);
              lmdb.saveBucketHashes(step.buckets, hashes);
            } else if (step.op === 'clear') {
              reference.clear();
              lmdb.clear();
            } else {
              lmdb.close();
              lmdb = openLmdbStore(dir);
            }
            expect(lmdb.count()).toBe(reference.count());
            expect(listed(lmdb, 0, 8)).toEqual(listed(reference, 0, 8));
            expect(listed(lmdb, 2, 5)).toEqual(listed(reference, 2, 5));
            for (let bucket = 0; bucket < 8; bucket++) {
              expect(bucketEntries(lmdb, bucket).map((e) => hex(e.key))).toEqual(bucketEntries(reference, bucket).map((e) => hex(e.key)));
            }
            if (step.op === 'apply') {
              for (const write of step.writes) expect(hex(lmdb.get(write.bucket, write.key))).toBe(hex(reference.get(write.bucket, write.key)));
            }
            const [got, want] = [lmdb.bucketHashes(kDigestSize), reference.bucketHashes(kDigestSize)];
            expect(got.dirty).toEqual(want.dirty);
            expect(hex(got.hashes)).toBe(hex(want.hashes));
          }
        } finally {
          lmdb.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
  });
});
