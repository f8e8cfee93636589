/**
 * KeyedHasher turns keys, values and buckets into digests with one kernel call per batch —
 * never one per hash: all tokens of a batch of writes are one `hashSpans`, all entry leaves of
 * every dirty bucket are one `hashSpans`, and each level of every dirty bucket's inner tree is
 * one `hashPairs`.
 */
import { NO_PREFIX, type HashKernel } from '../hash/types.js';
import { bucketOfToken, kBucketPrefix, kEntryPrefix, kNodePrefix, kRootPrefix, kTokenPrefix } from './encoding.js';
import { encodeRecords } from './records.js';
import type { KeyedEntry } from './store.js';

const kUtf8 = new TextEncoder();

export class KeyedHasher {
  readonly digestSize: number;
  /** Hash of a bucket with no entries. */
  readonly emptyBucket: Uint8Array;

  constructor(
    readonly kernel: HashKernel,
    readonly salt: Uint8Array,
    readonly bucketBits: number,
  ) {
    this.digestSize = kernel.digestSize;
    this.emptyBucket = this.bucketLeaves([0], new Uint8Array(0));
  }

  /** buckets returns the bucket of each key. */
  buckets(keys: readonly Uint8Array[]): Uint32Array {
    const offsets = new Uint32Array(keys.length + 1);
    let total = 0;
    keys.forEach((key, i) => {
      total += this.salt.length + key.length;
      offsets[i + 1] = total;
    });
    const data = new Uint8Array(total);
    keys.forEach((key, i) => {
      data.set(this.salt, offsets[i]!);
      data.set(key, offsets[i]! + this.salt.length);
    });
    const d = this.digestSize;
    const tokens = new Uint8Array(keys.length * d);
    if (keys.length > 0) this.kernel.hashSpans(data, offsets, kTokenPrefix, tokens);
    const buckets = new Uint32Array(keys.length);
    for (let i = 0; i < keys.length; i++) buckets[i] = bucketOfToken(tokens, i * d, this.bucketBits);
    return buckets;
  }

  /** valueDigests returns H(value) for each value (strings as UTF-8), concatenated. */
  valueDigests(values: readonly (Uint8Array | string)[]): Uint8Array {
    // Strings are encoded straight into one batch buffer sized for the worst case (3 bytes per
    // UTF-16 unit): no array per value, and faster than measuring each string first.
    let bound = 0;
    for (const value of values) bound += typeof value === 'string' ? 3 * value.length : value.length;
    const data = new Uint8Array(bound);
    const offsets = new Uint32Array(values.length + 1);
    let at = 0;
    values.forEach((value, i) => {
      if (typeof value === 'string') {
        at += kUtf8.encodeInto(value, data.subarray(at)).written;
      } else {
        data.set(value, at);
        at += value.length;
      }
      offsets[i + 1] = at;
    });
    const out = new Uint8Array(values.length * this.digestSize);
    if (values.length > 0) this.kernel.hashSpans(data, offsets, NO_PREFIX, out);
    return out;
  }

  /** entryLeaves returns the entry leaf hash of each entry, concatenated. */
  entryLeaves(entries: readonly KeyedEntry[]): Uint8Array {
    return this.recordLeaves([encodeRecords(entries, this.digestSize)]).leaves;
  }

  /**
   * bucketHashes hashes whole buckets: `groups[i]` is bucket i's key-sorted entries. Returns the
   * bucket leaf hashes, concatenated.
   */
  bucketHashes(groups: readonly (readonly KeyedEntry[])[]): Uint8Array {
    return this.recordsHashes(groups.map((entries) => encodeRecords(entries, this.digestSize)));
  }

  /**
   * recordsHashes hashes whole buckets given as packed records (records.ts): all entry leaves
   * in one `hashSpans` straight over the records' bytes, then the inner trees, then the bucket
   * leaves. Returns the bucket leaf hashes, concatenated.
   */
  recordsHashes(buckets: readonly Uint8Array[]): Uint8Array {
    const { leaves, counts } = this.recordLeaves(buckets);
    return this.bucketLeaves(counts, this.innerRoots(leaves, counts));
  }

  /** recordLeaves returns the entry leaf hashes of every bucket's records (in one kernel call), and each bucket's count. */
  recordLeaves(buckets: readonly Uint8Array[]): { leaves: Uint8Array; counts: number[] } {
    const d = this.digestSize;
    let total = 0;
    for (const records of buckets) total += records.length;
    const data = new Uint8Array(total);
    let at = 0;
    for (const records of buckets) {
      data.set(records, at);
      at += records.length;
    }
    // One pass over all records: where each entry starts, and how many each bucket has.
    const offsets = new Uint32Array(Math.floor(total / (4 + d)) + 1);
    const counts = new Array<number>(buckets.length);
    let entries = 0;
    let position = 0;
    for (let i = 0; i < buckets.length; i++) {
      const end = position + buckets[i]!.length;
      const first = entries;
      while (position < end) {
        offsets[entries++] = position;
        position += 4 + d + (((data[position]! << 24) | (data[position + 1]! << 16) | (data[position + 2]! << 8) | data[position + 3]!) >>> 0);
      }
      counts[i] = entries - first;
    }
    offsets[entries] = total;
    const leaves = new Uint8Array(entries * d);
    if (entries > 0) this.kernel.hashSpans(data, offsets.subarray(0, entries + 1), kEntryPrefix, leaves);
    return { leaves, counts };
  }

  /**
   * innerRoots computes, for consecutive runs of `counts[i]` leaves in `leaves`, each run's
   * RFC 6962 root (a lone last node rises unchanged), one `hashPairs` call per level across all
   * runs. Runs of 0 leaves have no root and take no space in the result.
   */
  innerRoots(leaves: Uint8Array, counts: readonly number[]): Uint8Array {
    // Digests move as 32-bit words through typed-array loops: runs are short, and a call per
    // run (a copy, a subarray) would cost more than the words themselves.
    const words = this.digestSize / 4;
    const widths = counts.filter((count) => count > 0);
    let level = new Uint32Array(leaves.slice().buffer);
    let pairs = 0;
    for (const width of widths) pairs += width >>> 1;
    while (pairs > 0) {
      const pairData = new Uint32Array(pairs * 2 * words);
      let read = 0;
      let written = 0;
      let nextWidth = 0;
      for (const width of widths) {
        const evenWords = (width - (width & 1)) * words;
        for (let k = 0; k < evenWords; k++) pairData[written++] = level[read + k]!;
        read += width * words;
        nextWidth += (width + 1) >>> 1;
      }
      const parents = new Uint32Array(pairs * words);
      this.kernel.hashPairs(new Uint8Array(pairData.buffer), pairs, kNodePrefix, false, new Uint8Array(parents.buffer));
      const next = new Uint32Array(nextWidth * words);
      read = 0;
      let parentAt = 0;
      let at = 0;
      let nextPairs = 0;
      for (let i = 0; i < widths.length; i++) {
        const width = widths[i]!;
        const halfWords = (width >>> 1) * words;
        for (let k = 0; k < halfWords; k++) next[at++] = parents[parentAt++]!;
        if ((width & 1) === 1) {
          const lone = read + (width - 1) * words;
          for (let k = 0; k < words; k++) next[at++] = level[lone + k]!;
        }
        read += width * words;
        widths[i] = (width + 1) >>> 1;
        nextPairs += widths[i]! >>> 1;
      }
      level = next;
      pairs = nextPairs;
    }
    return new Uint8Array(level.buffer, level.byteOffset, level.byteLength);
  }

  /** bucketLeaves frames (count, subroot) per bucket; `subroots` holds one digest per non-empty bucket. */
  bucketLeaves(counts: readonly number[], subroots: Uint8Array): Uint8Array {
    const d = this.digestSize;
    const offsets = new Uint32Array(counts.length + 1);
    counts.forEach((count, i) => (offsets[i + 1] = offsets[i]! + 4 + (count > 0 ? d : 0)));
    const data = new Uint8Array(offsets[counts.length]!);
    const view = new DataView(data.buffer);
    let subroot = 0;
    counts.forEach((count, i) => {
      view.setUint32(offsets[i]!, count);
      if (count > 0) data.set(subroots.subarray(subroot * d, ++subroot * d), offsets[i]! + 4);
    });
    const out = new Uint8Array(counts.length * d);
    if (counts.length > 0) this.kernel.hashSpans(data, offsets, kBucketPrefix, out);
    return out;
  }

  /** sealedRoot is the tree's root: its top node bound to the shape (bucket bits, salt). */
  sealedRoot(top: Uint8Array): Uint8Array {
    const message = new Uint8Array(2 + this.salt.length + top.length);
    message[0] = this.bucketBits;
    message[1] = this.salt.length;
    message.set(this.salt, 2);
    message.set(top, 2 + this.salt.length);
    const out = new Uint8Array(this.digestSize);
    this.kernel.hashSpans(message, Uint32Array.of(0, message.length), kRootPrefix, out);
    return out;
  }

  /** parents hashes `count` adjacent pairs of `level` into `out` (tree nodes). */
  parents(level: Uint8Array, count: number, out: Uint8Array): void {
    if (count > 0) this.kernel.hashPairs(level, count, kNodePrefix, false, out);
  }
}
