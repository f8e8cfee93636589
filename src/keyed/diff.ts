/**
 * Diffs of keyed trees: two replicas (diffKeyed) or N (detectKeyedConflicts). Both walk the
 * trees top-down together, descend only into nodes that differ, and compare entries only in
 * the buckets that differ, so the work is O(d · log buckets) node compares plus the entries of
 * d differing buckets.
 */
import { IncompatibleTreesError, InputError } from '../errors.js';
import { toHex } from '../encoding.js';
import { mergeIndexes, type IndexRange } from '../tree/diff.js';
import { describeParams, sameParams } from './params.js';
import type { KeyedEntry } from './store.js';
import type { KeyedTree } from './tree.js';

export interface KeyedDiff {
  readonly equal: boolean;
  /** Keys in a and not in b. */
  readonly missing: KeyedEntry[];
  /** Keys in b and not in a. */
  readonly extra: KeyedEntry[];
  /** Keys in both with different value digests. */
  readonly different: Array<{ readonly key: Uint8Array; readonly a: Uint8Array; readonly b: Uint8Array }>;
  /** The buckets that differ, as ranges. */
  readonly buckets: IndexRange[];
  /** Node pairs compared (bucket hashes included). */
  readonly nodesCompared: number;
}

function assertSameShape(trees: readonly KeyedTree[], names: readonly string[]): void {
  for (let i = 1; i < trees.length; i++) {
    if (!sameParams(trees[0]!.params, trees[i]!.params)) {
      throw new IncompatibleTreesError(`${names[0]} (${describeParams(trees[0]!.params)}) and ${names[i]} (${describeParams(trees[i]!.params)}) are not replicas of one keyed tree shape`);
    }
  }
}

/**
 * differingBuckets walks `trees` from the root and returns the buckets whose hashes are not all
 * equal, and how many nodes were compared.
 */
export function differingBuckets(trees: readonly KeyedTree[]): { buckets: number[]; nodesCompared: number } {
  const bits = trees[0]!.params.bucketBits;
  let candidates = [0];
  let nodesCompared = 0;
  for (let level = bits; level >= 0; level--) {
    const differing: number[] = [];
    for (const index of candidates) {
      nodesCompared++;
      const first = trees[0]!.levelHashes(level, index, 1);
      if (trees.some((tree) => Buffer.compare(tree.levelHashes(level, index, 1), first) !== 0)) differing.push(index);
    }
    if (level === 0) return { buckets: differing, nodesCompared };
    candidates = differing.flatMap((index) => [2 * index, 2 * index + 1]);
  }
  return { buckets: [], nodesCompared };
}

/** diffKeyed compares two replicas of one keyed tree shape. Throws IncompatibleTreesError otherwise. */
export function diffKeyed(a: KeyedTree, b: KeyedTree): KeyedDiff {
  assertSameShape([a, b], ['a', 'b']);
  const { buckets, nodesCompared } = differingBuckets([a, b]);
  const missing: KeyedEntry[] = [];
  const extra: KeyedEntry[] = [];
  const different: KeyedDiff['different'] = [];
  for (const bucket of buckets) {
    const left = a.bucketEntries(bucket);
    const right = b.bucketEntries(bucket);
    let i = 0;
    let j = 0;
    while (i < left.length || j < right.length) {
      const order = i === left.length ? 1 : j === right.length ? -1 : Buffer.compare(left[i]!.key, right[j]!.key);
      if (order < 0) missing.push(left[i++]!);
      else if (order > 0) extra.push(right[j++]!);
      else {
        if (Buffer.compare(left[i]!.digest, right[j]!.digest) !== 0) different.push({ key: left[i]!.key, a: left[i]!.digest, b: right[j]!.digest });
        i++;
        j++;
      }
    }
  }
  return { equal: buckets.length === 0, missing, extra, different, buckets: mergeIndexes(buckets), nodesCompared };
}

export interface KeyConflict {
  readonly key: Uint8Array;
  readonly bucket: number;
  /** Each replica's value digest (hex), or null where the replica lacks the key. */
  readonly values: ReadonlyArray<string | null>;
  /** The value most replicas hold (null: most lack the key); on a tie, the first such value in replica order. */
  readonly majority: string | null;
  readonly tie: boolean;
  /** Replicas (indexes) that do not hold the majority value. */
  readonly minority: number[];
}

export interface KeyedConflictReport {
  readonly agree: boolean;
  readonly names: string[];
  readonly roots: string[];
  readonly conflicts: KeyConflict[];
  /** For each replica, how many keys it holds outside the majority. */
  readonly divergence: number[];
  readonly nodesCompared: number;
}

/**
 * detectKeyedConflicts compares N ≥ 2 replicas: for every key on which they do not all agree,
 * which replica holds which digest (or none), the majority value and the minority replicas.
 */
export function detectKeyedConflicts(trees: readonly KeyedTree[], names?: readonly string[]): KeyedConflictReport {
  if (trees.length < 2) throw new InputError(`conflict detection needs at least 2 replicas, got ${trees.length}`);
  const named = trees.map((_, i) => names?.[i] ?? `replica ${i}`);
  assertSameShape(trees, named);
  const { buckets, nodesCompared } = differingBuckets(trees);
  const conflicts: KeyConflict[] = [];
  const divergence = trees.map(() => 0);
  for (const bucket of buckets) {
    const perReplica = trees.map((tree) => new Map(tree.bucketEntries(bucket).map((e) => [Buffer.from(e.key).toString('latin1'), toHex(e.digest)])));
    const keys = [...new Set(perReplica.flatMap((m) => [...m.keys()]))].sort((x, y) => Buffer.compare(Buffer.from(x, 'latin1'), Buffer.from(y, 'latin1')));
    for (const key of keys) {
      const values = perReplica.map((m) => m.get(key) ?? null);
      if (values.every((v) => v === values[0])) continue;
      const counts = new Map<string | null, number>();
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
      const most = Math.max(...counts.values());
      const leaders = [...counts.entries()].filter(([, n]) => n === most).map(([v]) => v);
      const majority = values.find((v) => leaders.includes(v)) ?? null;
      const minority = values.flatMap((v, i) => (v === majority ? [] : [i]));
      for (const i of minority) divergence[i]!++;
      conflicts.push({ key: Buffer.from(key, 'latin1'), bucket, values, majority, tie: leaders.length > 1, minority });
    }
  }
  return { agree: conflicts.length === 0, names: named, roots: trees.map((t) => toHex(t.root())), conflicts, divergence, nodesCompared };
}
