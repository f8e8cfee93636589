/**
 * A keyed tree's levels and root straight from its contents, without a store: every bucket's
 * packed records hashed in ~4 MiB batches, the levels above in one `parents` call each. The
 * tree's full rebuild uses it over its store; a caller holding a whole set of pairs in memory
 * (a directory tree's index) gets the root in a few batched kernel calls, without the cost of
 * inserting each pair into a store first.
 */
import { compareBytes } from '../bytes.js';
import type { KeyedHasher } from './hashing.js';
import { encodeRecords } from './records.js';

const kBatchBytes = 4 << 20;

/** levelsOfBuckets hashes the buckets in `records` (any not listed are empty) and the levels above, bucket level first. */
export function levelsOfBuckets(hasher: KeyedHasher, bucketCount: number, records: Iterable<{ readonly bucket: number; readonly records: Uint8Array }>): Uint8Array[] {
  const d = hasher.digestSize;
  const hashes = new Uint8Array(bucketCount * d);
  for (let b = 0; b < bucketCount; b++) hashes.set(hasher.emptyBucket, b * d);
  let batch: Uint8Array[] = [];
  let batchBuckets: number[] = [];
  let pending = 0;
  const drain = () => {
    const batchHashes = hasher.recordsHashes(batch);
    batchBuckets.forEach((bucket, i) => hashes.set(batchHashes.subarray(i * d, (i + 1) * d), bucket * d));
    batch = [];
    batchBuckets = [];
    pending = 0;
  };
  for (const { bucket, records: bucketRecords } of records) {
    batch.push(bucketRecords);
    batchBuckets.push(bucket);
    pending += bucketRecords.length;
    if (pending >= kBatchBytes) drain();
  }
  drain();
  const levels = [hashes];
  for (let width = bucketCount / 2; width >= 1; width /= 2) {
    const next = new Uint8Array(width * d);
    hasher.parents(levels.at(-1)!, width, next);
    levels.push(next);
  }
  return levels;
}

/** rootOfPairs is the root of the tree holding exactly `pairs` (keys distinct; values hashed as the tree hashes them). */
export function rootOfPairs(hasher: KeyedHasher, pairs: readonly { readonly key: Uint8Array; readonly value: Uint8Array }[]): Uint8Array {
  const d = hasher.digestSize;
  const bucketOf = hasher.buckets(pairs.map((p) => p.key));
  const digests = hasher.valueDigests(pairs.map((p) => p.value));
  const bucketCount = 2 ** hasher.bucketBits;
  // Pairs grouped by bucket with a counting sort; only the rare bucket of several is sorted by key.
  const starts = new Uint32Array(bucketCount + 1);
  for (const bucket of bucketOf) starts[bucket + 1]!++;
  for (let b = 0; b < bucketCount; b++) starts[b + 1]! += starts[b]!;
  const order = new Uint32Array(pairs.length);
  const fill = starts.slice(0, bucketCount);
  bucketOf.forEach((bucket, i) => (order[fill[bucket]!++] = i));
  const buckets: { bucket: number; records: Uint8Array }[] = [];
  for (let bucket = 0; bucket < bucketCount; bucket++) {
    const begin = starts[bucket]!;
    const end = starts[bucket + 1]!;
    if (begin === end) continue;
    const members = Array.from(order.subarray(begin, end));
    if (members.length > 1) members.sort((i, j) => compareBytes(pairs[i]!.key, pairs[j]!.key));
    const entries = members.map((i) => ({ key: pairs[i]!.key, digest: digests.subarray(i * d, (i + 1) * d) }));
    buckets.push({ bucket, records: encodeRecords(entries, d) });
  }
  return hasher.sealedRoot(levelsOfBuckets(hasher, bucketCount, buckets).at(-1)!);
}
