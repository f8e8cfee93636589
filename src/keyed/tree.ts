/**
 * KeyedTree: a Merkle tree over a set of (key, value digest) pairs, kept current as writes
 * happen. Its shape is fixed — 2^bucketBits buckets, a key's bucket is a prefix of its token
 * H(0x03 ‖ salt ‖ key) — so every replica's tree has the same shape, the same set of pairs
 * gives the same root whatever the order of writes, and a key range is a bucket range.
 *
 * Writes go to the store at once (atomically per batch) and mark their buckets dirty; dirty
 * buckets are rehashed lazily, once, in one batched pass, before a root, a proof or a diff
 * is read. The bucket level and every level above it live in memory (2^(bucketBits+1)
 * digests: 4 MiB at the default 16 bits).
 */
import { InputError } from '../errors.js';
import { toHex } from '../encoding.js';
import type { TreeHasher } from '../tree/hasher.js';
import { buildLevels } from '../tree/build.js';
import { inclusionProofNodes } from '../tree/proof.js';
import { kMaxKeyBytes } from './encoding.js';
import { levelsOfBuckets } from './bulk.js';
import type { KeyedHasher } from './hashing.js';
import { applyToRecords, decodeRecords, groupByBucket } from './records.js';
import { kKeyProofVersion, type KeyProof, type ProvenEntry } from './proof.js';
import type { BucketedWrite, KeyedEntry, KeyedParams, KeyedStore } from './store.js';

export type Bytes = Uint8Array | string;

/** One write of a batch: a value (hashed by the tree), a value digest given by the caller, or a delete. */
export type KeyedOp =
  | { readonly type: 'put'; readonly key: Bytes; readonly value: Bytes }
  | { readonly type: 'put'; readonly key: Bytes; readonly digest: Uint8Array }
  | { readonly type: 'delete'; readonly key: Bytes };

/** A range of buckets [first, end). */
export interface BucketRange {
  readonly first: number;
  readonly end: number;
}

/** toBytes turns a key or value into bytes: strings are UTF-8 (in Node's pooled buffers, not an ArrayBuffer each). */
export function toBytes(value: Bytes, what: string): Uint8Array {
  if (typeof value === 'string') return Buffer.from(value, 'utf8');
  if (value instanceof Uint8Array) return value;
  throw new InputError(`${what} must be a Uint8Array or a string, got ${value === null ? 'null' : typeof value}`);
}

function checkKey(key: Uint8Array, where: string): void {
  if (key.length > kMaxKeyBytes) throw new InputError(`${where}: key is ${key.length} bytes; keyed trees take keys of at most ${kMaxKeyBytes} bytes`);
}

export class KeyedTree {
  /** levels[0] holds the bucket hashes, levels[bucketBits] the root. */
  private readonly levels: Uint8Array[] = [];
  private readonly dirty = new Set<number>();
  private closed = false;

  /**
   * Use openKeyedTree. `saved` is the store's bucket hashes (all-zero for a bucket never
   * hashed, which is then empty) and `dirty` the buckets written since their hash was saved.
   */
  constructor(
    private readonly store: KeyedStore,
    readonly hasher: KeyedHasher,
    /** The RFC 9162 hasher over the same kernel: a bucket's inner tree is an RFC 9162 tree of entry messages. */
    private readonly innerHasher: TreeHasher,
    readonly params: KeyedParams,
  ) {
    const d = hasher.digestSize;
    const { hashes, dirty } = store.bucketHashes(d);
    const zero = new Uint8Array(d);
    for (let bucket = 0; bucket < this.bucketCount; bucket++) {
      if (Buffer.compare(hashes.subarray(bucket * d, (bucket + 1) * d), zero) === 0) hashes.set(hasher.emptyBucket, bucket * d);
    }
    for (const bucket of dirty) this.dirty.add(bucket);
    this.levels.push(hashes);
    for (let level = 1, width = this.bucketCount / 2; level <= params.bucketBits; level++, width /= 2) {
      const next = new Uint8Array(width * d);
      hasher.parents(this.levels[level - 1]!, width, next);
      this.levels.push(next);
    }
  }

  get bucketCount(): number {
    return 2 ** this.params.bucketBits;
  }

  get digestSize(): number {
    return this.hasher.digestSize;
  }

  /** Number of entries. */
  get size(): number {
    return this.store.count();
  }

  /** put sets `key` to H(value). Durable when it returns (persistent stores). */
  put(key: Bytes, value: Bytes): void {
    this.batch([{ type: 'put', key, value }]);
  }

  /** delete removes `key`; deleting an absent key does nothing. */
  delete(key: Bytes): void {
    this.batch([{ type: 'delete', key }]);
  }

  /**
   * batch applies `ops` in order, all or nothing (one transaction for a persistent store).
   * Validates every op before anything is written; the error names the op's index.
   */
  batch(ops: readonly KeyedOp[]): void {
    this.assertOpen();
    const writes = this.writesOf(ops);
    this.store.apply(writes);
    for (const write of writes) this.dirty.add(write.bucket);
  }

  /**
   * rootAfter returns the root the tree would have after `ops`, and writes nothing: a repair
   * checks what it fetched against the peer's root this way before it applies any of it.
   */
  rootAfter(ops: readonly KeyedOp[]): Uint8Array {
    this.flush();
    const d = this.digestSize;
    const groups = groupByBucket(this.writesOf(ops));
    const buckets = [...groups.keys()].sort((a, b) => a - b);
    if (buckets.length === 0) return this.root();
    const hashes = this.hasher.recordsHashes(buckets.map((b) => applyToRecords(this.store.bucketRecords(b), groups.get(b)!, d).records));
    return this.hasher.sealedRoot(this.rise(buckets, hashes).at(-1)!.hashes);
  }

  /**
   * rise hashes new hashes of `buckets` (ascending) up to the top node, writing nothing: per
   * level (0 = the buckets), the nodes that change, ascending, and their hashes. One hashPairs
   * call per level; unchanged siblings come from the levels held.
   */
  private rise(buckets: readonly number[], hashes: Uint8Array): { indices: readonly number[]; hashes: Uint8Array }[] {
    const d = this.digestSize;
    const risen = [{ indices: buckets, hashes }];
    for (let level = 1; level <= this.params.bucketBits; level++) {
      const { indices, hashes: changed } = risen.at(-1)!;
      const parents: number[] = [];
      for (const i of indices) if (parents.at(-1) !== i >>> 1) parents.push(i >>> 1);
      const below = this.levels[level - 1]!;
      const pairs = new Uint8Array(parents.length * 2 * d);
      let next = 0; // the next changed child, walked in step with the parents
      parents.forEach((p, j) => {
        for (let side = 0; side < 2; side++) {
          const child = 2 * p + side;
          const isChanged = indices[next] === child;
          pairs.set(isChanged ? changed.subarray(next * d, (next + 1) * d) : below.subarray(child * d, (child + 1) * d), (2 * j + side) * d);
          if (isChanged) next++;
        }
      });
      const out = new Uint8Array(parents.length * d);
      this.hasher.parents(pairs, parents.length, out);
      risen.push({ indices: parents, hashes: out });
    }
    return risen;
  }

  /** writesOf validates `ops` (errors name the op's index) and hashes their keys and values into bucketed writes. */
  private writesOf(ops: readonly KeyedOp[]): BucketedWrite[] {
    if (!Array.isArray(ops)) throw new InputError(`batch takes an array of ops, got ${typeof ops}`);
    const d = this.digestSize;
    const keys: Uint8Array[] = [];
    const values: (Uint8Array | string)[] = [];
    const valueOf: number[] = [];
    ops.forEach((op, i) => {
      const where = `batch op ${i}`;
      if (op === null || typeof op !== 'object') throw new InputError(`${where}: must be an object, got ${op === null ? 'null' : typeof op}`);
      const key = toBytes(op.key, `${where}: key`);
      checkKey(key, where);
      keys.push(key);
      if (op.type === 'delete') valueOf.push(-1);
      else if (op.type === 'put' && 'digest' in op && op.digest !== undefined) {
        if (!(op.digest instanceof Uint8Array) || op.digest.length !== d) {
          throw new InputError(`${where}: digest must be a Uint8Array of ${d} bytes (${this.params.hash}), got ${op.digest instanceof Uint8Array ? `${op.digest.length} bytes` : typeof op.digest}`);
        }
        valueOf.push(-1);
      } else if (op.type === 'put' && 'value' in op) {
        valueOf.push(values.length);
        if (typeof op.value !== 'string') toBytes(op.value, `${where}: value`);
        values.push(op.value);
      } else {
        throw new InputError(`${where}: type must be "put" (with value or digest) or "delete", got ${JSON.stringify((op as { type?: unknown }).type)}`);
      }
    });
    const buckets = this.hasher.buckets(keys);
    const digests = this.hasher.valueDigests(values);
    return ops.map((op, i) => {
      const bucket = buckets[i]!;
      if (op.type === 'delete') return { type: 'delete', bucket, key: keys[i]! };
      const digest = valueOf[i]! >= 0 ? digests.subarray(valueOf[i]! * d, (valueOf[i]! + 1) * d) : (op as { digest: Uint8Array }).digest;
      return { type: 'put', bucket, key: keys[i]!, digest };
    });
  }

  /** get returns the value digest stored for `key`, or undefined. */
  get(key: Bytes): Uint8Array | undefined {
    this.assertOpen();
    const bytes = toBytes(key, 'key');
    checkKey(bytes, 'get');
    return this.store.get(this.hasher.buckets([bytes])[0]!, bytes);
  }

  /** bucketOf returns the bucket `key` belongs to. */
  bucketOf(key: Bytes): number {
    return this.hasher.buckets([toBytes(key, 'key')])[0]!;
  }

  /** root returns the tree's root (rehashing dirty buckets first): the top node sealed with the shape. */
  root(): Uint8Array {
    this.flush();
    return this.hasher.sealedRoot(this.levels[this.params.bucketBits]!);
  }

  /**
   * node returns the hash of node `index` at `level` (0 = buckets, bucketBits = top node): the
   * hash of the buckets [index·2^level, (index+1)·2^level).
   */
  node(level: number, index: number): Uint8Array {
    this.flush();
    const d = this.digestSize;
    return this.levels[level]!.slice(index * d, (index + 1) * d);
  }

  /** levelHashes returns `count` consecutive node hashes of `level` from `first`, concatenated. */
  levelHashes(level: number, first: number, count: number): Uint8Array {
    this.flush();
    const d = this.digestSize;
    return this.levels[level]!.slice(first * d, (first + count) * d);
  }

  /**
   * rangeRoot returns the root of the buckets in `range` as an RFC 6962 tree of bucket hashes:
   * for an aligned power-of-two range, exactly the tree's node over it.
   */
  rangeRoot(range: BucketRange): Uint8Array {
    const { first, end } = range;
    if (!(Number.isSafeInteger(first) && Number.isSafeInteger(end) && first >= 0 && first < end && end <= this.bucketCount)) {
      throw new InputError(`bucket range [${first}, ${end}) must satisfy 0 <= first < end <= ${this.bucketCount}`);
    }
    this.flush();
    const d = this.digestSize;
    return this.hasher.innerRoots(this.levels[0]!.subarray(first * d, end * d), [end - first]);
  }

  /** bucketEntries returns one bucket's entries, sorted by key. */
  bucketEntries(bucket: number): KeyedEntry[] {
    this.assertOpen();
    return decodeRecords(this.store.bucketRecords(bucket), this.digestSize);
  }

  /**
   * bucketsWithLeaves returns the entries of `buckets` (each in key order) and their entry leaf
   * hashes, concatenated in the same order: each bucket read once, one kernel call.
   */
  bucketsWithLeaves(buckets: readonly number[]): { entries: KeyedEntry[][]; leaves: Uint8Array } {
    this.assertOpen();
    const records = buckets.map((b) => this.store.bucketRecords(b));
    return { entries: records.map((r) => decodeRecords(r, this.digestSize)), leaves: this.hasher.recordLeaves(records).leaves };
  }

  /** entries streams the entries of `range` (default: all), in bucket order then key order. */
  *entries(range: BucketRange = { first: 0, end: this.bucketCount }): IterableIterator<KeyedEntry & { readonly bucket: number }> {
    this.assertOpen();
    for (const { bucket, records } of this.store.records(range.first, range.end)) {
      for (const entry of decodeRecords(records, this.digestSize)) yield { bucket, ...entry };
    }
  }

  /**
   * proveKey proves that `key` is in the tree with its digest, or that it is absent: the
   * bucket's entry count, the entry (or the neighbours around where it would be) with their
   * inclusion paths in the bucket, and the bucket's path to the root. Check it with verifyKeyProof.
   */
  proveKey(key: Bytes): KeyProof {
    this.flush();
    const keyBytes = toBytes(key, 'key');
    checkKey(keyBytes, 'proveKey');
    const d = this.digestSize;
    const bucket = this.hasher.buckets([keyBytes])[0]!;
    const entries = this.bucketEntries(bucket);
    const leaves = this.hasher.entryLeaves(entries);
    const inner = buildLevels(leaves, entries.length, this.innerHasher, 'carry');
    const prove = (index: number): ProvenEntry => ({
      index,
      key: toHex(entries[index]!.key),
      digest: toHex(entries[index]!.digest),
      path: inclusionProofNodes(index, entries.length).map(({ level, index: i }) => toHex(inner.levels[level]!.subarray(i * d, (i + 1) * d))),
    });
    let at = 0;
    while (at < entries.length && Buffer.compare(entries[at]!.key, keyBytes) < 0) at++;
    const present = at < entries.length && Buffer.compare(entries[at]!.key, keyBytes) === 0;
    const shown = present ? [at] : [at - 1, at].filter((i) => i >= 0 && i < entries.length);
    const bucketPath: string[] = [];
    for (let level = 0, i = bucket; level < this.params.bucketBits; level++, i >>= 1) {
      bucketPath.push(toHex(this.levels[level]!.subarray((i ^ 1) * d, ((i ^ 1) + 1) * d)));
    }
    return {
      type: 'keyed',
      version: kKeyProofVersion,
      hash: this.params.hash,
      bucketBits: this.params.bucketBits,
      salt: toHex(this.params.salt),
      key: toHex(keyBytes),
      present,
      bucket,
      count: entries.length,
      entries: shown.map(prove),
      bucketPath,
      root: toHex(this.hasher.sealedRoot(this.levels[this.params.bucketBits]!)),
    };
  }

  /** verify rebuilds every bucket hash from the stored entries and compares the root. */
  verify(): { ok: boolean; root: string; rebuilt: string } {
    const root = toHex(this.root());
    const rebuilt = toHex(this.hasher.sealedRoot(this.rebuiltLevels().at(-1)!));
    return { ok: root === rebuilt, root, rebuilt };
  }

  /**
   * rebuild recomputes every bucket hash from the stored entries (for a store whose hashes were
   * lost or damaged) and saves them. Returns the root.
   */
  rebuild(): Uint8Array {
    this.assertOpen();
    const levels = this.rebuiltLevels();
    const all = Array.from({ length: this.bucketCount }, (_, b) => b);
    this.store.saveBucketHashes(all, levels[0]!);
    levels.forEach((level, i) => (this.levels[i] = level));
    this.dirty.clear();
    return this.root();
  }

  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    this.store.close();
  }

  /** rebuiltLevels hashes all entries afresh, streaming the buckets in batches. */
  private rebuiltLevels(): Uint8Array[] {
    this.assertOpen();
    return levelsOfBuckets(this.hasher, this.bucketCount, this.store.records(0, this.bucketCount));
  }

  /** flush rehashes the dirty buckets in one batched pass and updates the levels above them. */
  private flush(): void {
    this.assertOpen();
    if (this.dirty.size === 0) return;
    const d = this.digestSize;
    const buckets = [...this.dirty].sort((a, b) => a - b);
    const hashes = this.hasher.recordsHashes(buckets.map((bucket) => this.store.bucketRecords(bucket)));
    this.store.saveBucketHashes(buckets, hashes);
    this.dirty.clear();
    this.rise(buckets, hashes).forEach(({ indices, hashes: nodes }, level) => {
      indices.forEach((index, i) => this.levels[level]!.set(nodes.subarray(i * d, (i + 1) * d), index * d));
    });
  }

  private assertOpen(): void {
    if (this.closed) throw new InputError('the keyed tree is closed');
  }
}
