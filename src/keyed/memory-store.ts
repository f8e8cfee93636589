/**
 * MemoryStore keeps a keyed tree's entries in process memory: for tests, small sets and trees
 * rebuilt from another source on every start. Each bucket is a key-sorted array, so a bucket's
 * entries come out sorted with no work and a write is a binary search and a splice.
 */
import type { BucketedWrite, KeyedEntry, KeyedParams, KeyedStore } from './store.js';

/** Index of the first entry whose key is >= key (entries.length if none). */
function lowerBound(entries: readonly KeyedEntry[], key: Uint8Array): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (Buffer.compare(entries[mid]!.key, key) < 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

export class MemoryStore implements KeyedStore {
  private params: KeyedParams | undefined;
  private readonly buckets = new Map<number, KeyedEntry[]>();
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
    const entries = this.buckets.get(bucket);
    if (entries === undefined) return undefined;
    const at = lowerBound(entries, key);
    const found = entries[at];
    return found !== undefined && Buffer.compare(found.key, key) === 0 ? found.digest : undefined;
  }

  bucketEntries(bucket: number): KeyedEntry[] {
    return [...(this.buckets.get(bucket) ?? [])];
  }

  *entries(firstBucket: number, endBucket: number): IterableIterator<KeyedEntry & { readonly bucket: number }> {
    const occupied = [...this.buckets.keys()].filter((b) => b >= firstBucket && b < endBucket).sort((a, b) => a - b);
    for (const bucket of occupied) {
      for (const entry of this.buckets.get(bucket) ?? []) yield { bucket, key: entry.key, digest: entry.digest };
    }
  }

  apply(writes: readonly BucketedWrite[]): void {
    for (const write of writes) {
      let entries = this.buckets.get(write.bucket);
      const at = entries === undefined ? 0 : lowerBound(entries, write.key);
      const exists = entries !== undefined && at < entries.length && Buffer.compare(entries[at]!.key, write.key) === 0;
      if (write.type === 'put') {
        // Copies: the caller may reuse its buffers after the call returns. Buffer.from takes
        // small copies from Node's shared pool, where a typed-array slice would allocate an
        // ArrayBuffer per entry (and the collector would sweep each one).
        const entry = { key: Buffer.from(write.key), digest: Buffer.from(write.digest) };
        if (entries === undefined) this.buckets.set(write.bucket, (entries = []));
        if (exists) entries[at] = entry;
        else {
          entries.splice(at, 0, entry);
          this.entryCount++;
        }
      } else if (exists) {
        entries!.splice(at, 1);
        this.entryCount--;
        if (entries!.length === 0) this.buckets.delete(write.bucket);
      }
      this.dirty.add(write.bucket);
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
}
