/**
 * MemoryStore keeps a keyed tree's entries in process memory: for tests, small sets and trees
 * rebuilt from another source on every start. Each occupied bucket is one packed buffer of
 * records (records.ts), so a million entries are 2^bucketBits objects for the collector, not
 * millions.
 */
import { digestSizeOf } from './params.js';
import { applyToRecords, findDigest, groupByBucket } from './records.js';
import type { BucketedWrite, KeyedParams, KeyedStore } from './store.js';

const kEmpty = new Uint8Array(0);

export class MemoryStore implements KeyedStore {
  private params: KeyedParams | undefined;
  private readonly buckets = new Map<number, Uint8Array>();
  private readonly dirty = new Set<number>();
  private saved = new Map<number, Uint8Array>();
  private entryCount = 0;

  readParams(): KeyedParams | undefined {
    return this.params;
  }

  writeParams(params: KeyedParams): void {
    this.params = { ...params, salt: params.salt.slice() };
  }

  count(): number {
    return this.entryCount;
  }

  get(bucket: number, key: Uint8Array): Uint8Array | undefined {
    const records = this.buckets.get(bucket);
    return records === undefined ? undefined : findDigest(records, key, this.digestSize());
  }

  bucketRecords(bucket: number): Uint8Array {
    return this.buckets.get(bucket) ?? kEmpty;
  }

  *records(firstBucket: number, endBucket: number): IterableIterator<{ readonly bucket: number; readonly records: Uint8Array }> {
    const occupied = [...this.buckets.keys()].filter((b) => b >= firstBucket && b < endBucket).sort((a, b) => a - b);
    for (const bucket of occupied) {
      const records = this.buckets.get(bucket);
      if (records !== undefined) yield { bucket, records };
    }
  }

  apply(writes: readonly BucketedWrite[]): void {
    const digestSize = this.digestSize();
    // Edits build new buffers (the records are never changed in place), so a caller holding
    // a bucket's records keeps what it read, and the caller's key and digest buffers are copied.
    for (const [bucket, group] of groupByBucket(writes)) {
      const { records, added } = applyToRecords(this.buckets.get(bucket) ?? kEmpty, group, digestSize);
      if (records.length === 0) this.buckets.delete(bucket);
      else this.buckets.set(bucket, records);
      this.entryCount += added;
      this.dirty.add(bucket);
    }
  }

  bucketHashes(digestSize: number): { hashes: Uint8Array; dirty: number[] } {
    const bucketCount = 2 ** (this.params?.bucketBits ?? 0);
    const hashes = new Uint8Array(bucketCount * digestSize);
    for (const [bucket, hash] of this.saved) hashes.set(hash, bucket * digestSize);
    return { hashes, dirty: [...this.dirty].sort((a, b) => a - b) };
  }

  saveBucketHashes(buckets: readonly number[], hashes: Uint8Array): void {
    const d = hashes.length / Math.max(1, buckets.length);
    buckets.forEach((bucket, i) => {
      this.saved.set(bucket, hashes.slice(i * d, (i + 1) * d));
      this.dirty.delete(bucket);
    });
  }

  clear(): void {
    this.buckets.clear();
    this.dirty.clear();
    this.saved = new Map();
    this.entryCount = 0;
  }

  close(): void {}

  private digestSize(): number {
    if (this.params === undefined) throw new Error('MemoryStore: writeParams must come before any write');
    return digestSizeOf(this.params);
  }
}
