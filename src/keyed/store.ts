/**
 * KeyedStore is where a keyed tree keeps its entries and its bucket hashes. The tree decides
 * everything about hashing; a store only keeps bytes, in buckets, and applies a batch of
 * writes all at once or not at all. Stores are synchronous: an embedded database (LMDB) answers
 * a read from its memory map, and a write batch is one transaction.
 *
 * Entries are addressed by (bucket, key). A bucket is kept as one buffer of packed records
 * (records.ts), sorted by key bytes (unsigned, shorter first on a common prefix: Buffer.compare
 * order), which every store edits with the same functions.
 */

/** The parameters that fix a keyed tree's shape and hashes; stored once, at creation. */
export interface KeyedParams {
  /** Hash name (a cryptographic hash of the registry, e.g. `sha256`). */
  readonly hash: string;
  /** The tree has 2^bucketBits buckets. */
  readonly bucketBits: number;
  /** Mixed into every key's token; shared by all replicas of one data set. May be empty. */
  readonly salt: Uint8Array;
}

export interface KeyedEntry {
  readonly key: Uint8Array;
  /** The value digest (the tree hash's digest size). */
  readonly digest: Uint8Array;
}

/** One write of a batch, its bucket already computed by the tree. */
export type BucketedWrite =
  | { readonly type: 'put'; readonly bucket: number; readonly key: Uint8Array; readonly digest: Uint8Array }
  | { readonly type: 'delete'; readonly bucket: number; readonly key: Uint8Array };

export interface KeyedStore {
  /** The parameters this store was created with; undefined for a store that holds nothing yet. */
  readParams(): KeyedParams | undefined;
  /** Records the parameters of a new store. Called once, before any write. */
  writeParams(params: KeyedParams): void;

  /** Number of entries. */
  count(): number;
  /** The digest stored for `key` in `bucket`, or undefined. */
  get(bucket: number, key: Uint8Array): Uint8Array | undefined;
  /** One bucket's entries as packed records (records.ts), sorted by key; empty if none. */
  bucketRecords(bucket: number): Uint8Array;
  /** The occupied buckets of [firstBucket, endBucket) with their records, in bucket order, lazily. */
  records(firstBucket: number, endBucket: number): IterableIterator<{ readonly bucket: number; readonly records: Uint8Array }>;

  /**
   * apply performs `writes` in order, atomically and durably (for a persistent store: in one
   * transaction, committed before it returns), and records every touched bucket as dirty in the
   * same transaction. A put replaces the key's digest; a delete of an absent key does nothing.
   * Called only after writeParams: digests are the size of the parameters' hash.
   */
  apply(writes: readonly BucketedWrite[]): void;

  /**
   * bucketHashes returns the stored hash of every bucket (2^bucketBits × digestSize bytes;
   * all zero for a bucket never hashed) and the buckets marked dirty (written since their hash
   * was saved). The tree rehashes the dirty ones before it answers anything.
   */
  bucketHashes(digestSize: number): { hashes: Uint8Array; dirty: number[] };
  /**
   * saveBucketHashes stores the hashes of `buckets` (hashes[i] for buckets[i], digestSize bytes
   * each) and clears their dirty marks, atomically.
   */
  saveBucketHashes(buckets: readonly number[], hashes: Uint8Array): void;

  /** clear removes every entry and bucket hash (not the parameters), atomically. */
  clear(): void;
  close(): void;
}
