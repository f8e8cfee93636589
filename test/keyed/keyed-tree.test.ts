/**
 * Keyed trees: the root against an independent reference (node:crypto, the definition in
 * docs/keyed.md written out naively), history independence, proofs of presence and absence
 * and their tampering, diffs and N-replica conflicts against naive set arithmetic.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InputError, IncompatibleTreesError, ProofError } from '../../src/errors.js';
import { diffKeyed, detectKeyedConflicts } from '../../src/keyed/diff.js';
import { MemoryStore } from '../../src/keyed/memory-store.js';
import { openKeyedTree } from '../../src/keyed/open.js';
import { verifyKeyProof, type KeyProof } from '../../src/keyed/proof.js';
import type { KeyedOp } from '../../src/keyed/tree.js';
import { referenceRoot } from '../helpers/keyed-reference.js';

const sha256 = (...parts: Uint8Array[]) => new Uint8Array(createHash('sha256').update(Buffer.concat(parts)).digest());
const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

const keyArb = fc.uint8Array({ minLength: 0, maxLength: 12 });
const opArb = fc.oneof(
  fc.record({ type: fc.constant('put' as const), key: keyArb, value: fc.uint8Array({ maxLength: 20 }) }),
  fc.record({ type: fc.constant('delete' as const), key: keyArb }),
);

function applyNaive(ops: readonly { type: 'put' | 'delete'; key: Uint8Array; value?: Uint8Array }[], into = new Map<string, Uint8Array>()) {
  for (const op of ops) {
    const k = Buffer.from(op.key).toString('latin1');
    if (op.type === 'put') into.set(k, sha256(op.value!));
    else into.delete(k);
  }
  return into;
}

describe('keyed tree roots', () => {
  it('equal the reference definition, and do not depend on the order or batching of writes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 120 }), fc.constantFrom(0, 1, 3, 6), fc.integer({ min: 1, max: 40 }), async (ops, bits, batchSize) => {
        const tree = await openKeyedTree(undefined, { bucketBits: bits });
        for (let i = 0; i < ops.length; i += batchSize) tree.batch(ops.slice(i, i + batchSize));
        const final = applyNaive(ops);
        expect(hex(tree.root())).toBe(referenceRoot(final, bits));
        expect(tree.size).toBe(final.size);
        // A fresh tree loaded with the final set in reverse order, digests given.
        const fresh = await openKeyedTree(undefined, { bucketBits: bits });
        fresh.batch([...final].reverse().map(([k, digest]) => ({ type: 'put', key: Buffer.from(k, 'latin1'), digest })));
        expect(hex(fresh.root())).toBe(hex(tree.root()));
        expect(tree.verify().ok).toBe(true);
      }),
      { numRuns: 60 },
    );
  });

  it('the empty tree, a salt, and blake3 follow the definition', async () => {
    const empty = await openKeyedTree(undefined, { bucketBits: 4 });
    expect(hex(empty.root())).toBe(referenceRoot(new Map(), 4));
    const salted = await openKeyedTree(undefined, { bucketBits: 5, salt: 'replica-set-7' });
    salted.put('alpha', 'one');
    salted.put('beta', 'two');
    expect(hex(salted.root())).toBe(
      referenceRoot(new Map([['alpha', sha256(Buffer.from('one'))], ['beta', sha256(Buffer.from('two'))]]), 5, new TextEncoder().encode('replica-set-7')),
    );
    const unsalted = await openKeyedTree(undefined, { bucketBits: 5 });
    unsalted.batch([{ type: 'put', key: 'alpha', value: 'one' }, { type: 'put', key: 'beta', value: 'two' }]);
    expect(hex(unsalted.root())).not.toBe(hex(salted.root()));
    const b3 = await openKeyedTree(undefined, { bucketBits: 5, hash: 'blake3' });
    b3.put('alpha', 'one');
    expect(b3.root().length).toBe(32);
    expect(hex(b3.root())).not.toBe(hex(unsalted.root()));
  });

  it('rebuild() restores the same root, and rangeRoot of an aligned range is that node', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 6 });
    tree.batch(Array.from({ length: 500 }, (_, i) => ({ type: 'put', key: `key-${i}`, value: `value-${i}` }) as const));
    const root = hex(tree.root());
    expect(hex(tree.rebuild())).toBe(root);
    expect(hex(tree.rangeRoot({ first: 0, end: 64 }))).toBe(hex(tree.node(6, 0)));
    expect(hex(tree.rangeRoot({ first: 16, end: 32 }))).toBe(hex(tree.node(4, 1)));
    expect(() => tree.rangeRoot({ first: 3, end: 3 })).toThrow(/0 <= first < end <= 64/);
  });
});

describe('keyed tree input errors', () => {
  it('names the op, the option or the store that is wrong', async () => {
    await expect(openKeyedTree(undefined, { bucketBits: 25 })).rejects.toThrow(/bucketBits must be an integer from 0 to 24, got 25/);
    await expect(openKeyedTree(undefined, { hash: 'xxh128' })).rejects.toThrow(/not cryptographic/);
    await expect(openKeyedTree(undefined, { hash: 'md5' })).rejects.toThrow(/hash must be one of/);
    const tree = await openKeyedTree(undefined, { bucketBits: 2 });
    expect(() => tree.batch([{ type: 'put', key: 'a', value: 'b' }, { type: 'put', key: new Uint8Array(1025), value: 'x' }])).toThrow(/batch op 1: key is 1025 bytes/);
    expect(tree.size).toBe(0); // validated before anything was written
    expect(() => tree.batch([{ type: 'upsert', key: 'a' } as unknown as KeyedOp])).toThrow(/batch op 0: type must be "put"/);
    expect(() => tree.batch([{ type: 'put', key: 'a', digest: new Uint8Array(31) }])).toThrow(/batch op 0: digest must be a Uint8Array of 32 bytes/);
    expect(() => tree.batch([{ type: 'put', key: 7, value: 'x' } as unknown as KeyedOp])).toThrow(InputError);
    const store = new MemoryStore();
    (await openKeyedTree(store, { bucketBits: 3 })).root();
    await expect(openKeyedTree(store, { bucketBits: 4 })).rejects.toThrow(/holds a keyed tree with hash sha256, 3 bucket bits/);
    tree.close();
    expect(() => tree.root()).toThrow(/closed/);
  });
});

describe('key proofs', () => {
  it('prove presence and absence at every position of a bucket, verified against the root alone', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 1 });
    const keys = Array.from({ length: 40 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    tree.batch(keys.filter((_, i) => i % 2 === 0).map((key) => ({ type: 'put', key, value: `v-${key}` })));
    const root = tree.root();
    for (const [i, key] of keys.entries()) {
      const proof = JSON.parse(JSON.stringify(tree.proveKey(key))) as KeyProof;
      const result = await verifyKeyProof(proof, root);
      expect(result.present).toBe(i % 2 === 0);
      if (result.present) expect(result.digest).toBe(hex(sha256(Buffer.from(`v-${key}`))));
    }
    // Before the first and after the last key of a bucket, and an empty bucket.
    for (const key of ['', 'zzzz', '\u00ff']) expect((await verifyKeyProof(tree.proveKey(key), root)).present).toBe(false);
    const sparse = await openKeyedTree(undefined, { bucketBits: 8 });
    sparse.put('only', 'one');
    const absent = sparse.proveKey('other');
    expect(absent.count === 0 || absent.entries.length > 0).toBe(true);
    expect((await verifyKeyProof(absent, sparse.root())).present).toBe(false);
  });

  it('refuses every tampered proof', async () => {
    const tree = await openKeyedTree(undefined, { bucketBits: 2 });
    tree.batch(Array.from({ length: 30 }, (_, i) => ({ type: 'put', key: `key${i}`, value: `${i}` }) as const));
    const root = tree.root();
    for (const key of ['key7', 'key-absent']) {
      const good = tree.proveKey(key);
      await verifyKeyProof(good, root);
      // `root` is informative (verification uses the caller's root), so it is left out.
      const text = JSON.stringify({ ...good, root: undefined });
      // Every hex digit of every field flipped, one at a time.
      const mutants: unknown[] = [];
      for (let at = 0; at < text.length; at++) {
        const c = text[at]!;
        if (!/[0-9a-f]/.test(c) || !/"[0-9a-f]*$/.test(text.slice(0, at + 1))) continue;
        mutants.push(text.slice(0, at) + (c === '0' ? '1' : '0') + text.slice(at + 1));
      }
      const structural = [
        { ...good, present: !good.present },
        { ...good, count: good.count + 1 },
        { ...good, count: Math.max(0, good.count - 1) },
        { ...good, bucket: good.bucket ^ 1 },
        { ...good, entries: [] },
        { ...good, entries: [...good.entries, ...good.entries] },
        { ...good, entries: good.entries.map((e) => ({ ...e, index: e.index + 1 })) },
        { ...good, bucketPath: good.bucketPath.slice(1) },
        { ...good, salt: '00' },
        { ...good, bucketBits: 3 },
        { ...good, version: 2 },
        { ...good, hash: 'blake3' },
      ].map((m) => ({ ...m, root: undefined }));
      let refused = 0;
      for (const mutant of [...mutants.map((m) => JSON.parse(m as string)), ...structural]) {
        if (JSON.stringify(mutant) === text) continue;
        await expect(verifyKeyProof(mutant, root, { key })).rejects.toThrow(ProofError);
        refused++;
      }
      expect(refused).toBeGreaterThan(100);
    }
    await expect(verifyKeyProof({ type: 'inclusion' }, root)).rejects.toThrow(/not a keyed proof/);
  });
});

describe('diffs and conflicts', () => {
  it('diffKeyed equals the naive set difference of two random replicas', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { maxLength: 80 }), fc.array(opArb, { maxLength: 30 }), fc.array(opArb, { maxLength: 30 }), async (common, onlyA, onlyB) => {
        const a = await openKeyedTree(undefined, { bucketBits: 4 });
        const b = await openKeyedTree(undefined, { bucketBits: 4 });
        a.batch([...common, ...onlyA]);
        b.batch([...common, ...onlyB]);
        const setA = applyNaive([...common, ...onlyA]);
        const setB = applyNaive([...common, ...onlyB]);
        const diff = diffKeyed(a, b);
        const keys = (entries: { key: Uint8Array }[]) => entries.map((e) => Buffer.from(e.key).toString('latin1')).sort();
        expect(keys(diff.missing)).toEqual([...setA.keys()].filter((k) => !setB.has(k)).sort());
        expect(keys(diff.extra)).toEqual([...setB.keys()].filter((k) => !setA.has(k)).sort());
        expect(keys(diff.different)).toEqual([...setA.keys()].filter((k) => setB.has(k) && hex(setA.get(k)!) !== hex(setB.get(k)!)).sort());
        expect(diff.equal).toBe(hex(a.root()) === hex(b.root()));
      }),
      { numRuns: 60 },
    );
  });

  it('compares only the nodes over differing buckets', async () => {
    const a = await openKeyedTree(undefined, { bucketBits: 16 });
    const b = await openKeyedTree(undefined, { bucketBits: 16 });
    const ops = Array.from({ length: 20_000 }, (_, i) => ({ type: 'put', key: `row:${i}`, value: `v${i}` }) as const);
    a.batch(ops);
    b.batch(ops);
    b.put('row:77', 'changed');
    const diff = diffKeyed(a, b);
    expect(diff.different.map((d) => Buffer.from(d.key).toString())).toEqual(['row:77']);
    expect(diff.nodesCompared).toBeLessThanOrEqual(1 + 2 * 16);
    expect(() => diffKeyed(a, (null as unknown) as typeof a)).toThrow();
  });

  it('refuses trees of different shapes', async () => {
    const a = await openKeyedTree(undefined, { bucketBits: 4 });
    const b = await openKeyedTree(undefined, { bucketBits: 5 });
    expect(() => diffKeyed(a, b)).toThrow(IncompatibleTreesError);
  });

  it('detectKeyedConflicts reports per key who holds what, the majority and ties', async () => {
    const replicas = await Promise.all([0, 1, 2, 3].map(() => openKeyedTree(undefined, { bucketBits: 6 })));
    const base = Array.from({ length: 200 }, (_, i) => ({ type: 'put', key: `k${i}`, value: `v${i}` }) as const);
    for (const r of replicas) r.batch(base);
    replicas[1]!.put('k5', 'stale');
    replicas[2]!.delete('k9');
    replicas[3]!.delete('k9');
    replicas[0]!.put('new', 'x');
    const report = detectKeyedConflicts(replicas, ['a', 'b', 'c', 'd']);
    const byKey = new Map(report.conflicts.map((c) => [Buffer.from(c.key).toString(), c]));
    expect([...byKey.keys()].sort()).toEqual(['k5', 'k9', 'new']);
    expect(byKey.get('k5')).toMatchObject({ majority: hex(sha256(Buffer.from('v5'))), tie: false, minority: [1] });
    expect(byKey.get('k9')).toMatchObject({ tie: true, minority: [2, 3] });
    expect(byKey.get('new')).toMatchObject({ majority: null, tie: false, minority: [0] });
    expect(report.divergence).toEqual([1, 1, 1, 1]);
    expect(detectKeyedConflicts([replicas[0]!, replicas[0]!]).agree).toBe(true);
    expect(() => detectKeyedConflicts([replicas[0]!])).toThrow(/at least 2 replicas/);
  });
});
