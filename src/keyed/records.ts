/**
 * A bucket's entries, packed: the concatenation, in key order, of one record per entry,
 *
 *   record = u32be(len key) ‖ key ‖ value digest
 *
 * which is exactly the entry leaf's message after its prefix byte (encoding.ts). So a bucket
 * is one buffer whatever its size — a store of a million entries holds 2^bucketBits objects,
 * not millions, and the collector has nothing to trace — and hashing a bucket's entry leaves
 * is one `hashSpans` over its bytes, with no message built per entry.
 *
 * Both stores keep buckets in this form; this module is the one place that reads and edits it.
 */
import type { BucketedWrite, KeyedEntry } from './store.js';

const kEmpty = new Uint8Array(0);

/** asBuffer views bytes as a Buffer (no copy), for its ranged compare and copy. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function keyLengthAt(records: Uint8Array, at: number): number {
  return ((records[at]! << 24) | (records[at + 1]! << 16) | (records[at + 2]! << 8) | records[at + 3]!) >>> 0;
}

/** recordLength is the bytes one record of a key of `keyLength` bytes takes. */
export function recordLength(keyLength: number, digestSize: number): number {
  return 4 + keyLength + digestSize;
}

/** recordOffsets returns the start of each record and, last, the end of the bucket (count + 1 values). */
export function recordOffsets(records: Uint8Array, digestSize: number): Uint32Array {
  let count = 0;
  for (let at = 0; at < records.length; at += recordLength(keyLengthAt(records, at), digestSize)) count++;
  const offsets = new Uint32Array(count + 1);
  for (let i = 0, at = 0; i < count; i++) {
    offsets[i] = at;
    at += recordLength(keyLengthAt(records, at), digestSize);
    offsets[i + 1] = at;
  }
  return offsets;
}

/**
 * findRecord binary-searches `key`: its record index and whether it is there (if not, the
 * index it would be inserted at). Keys compare as Buffer.compare does.
 */
function findRecord(records: Buffer, offsets: Uint32Array, key: Uint8Array): { index: number; found: boolean } {
  let low = 0;
  let high = offsets.length - 1;
  while (low < high) {
    const mid = (low + high) >>> 1;
    const at = offsets[mid]!;
    const order = records.compare(key, 0, key.length, at + 4, at + 4 + keyLengthAt(records, at));
    if (order < 0) low = mid + 1;
    else if (order > 0) high = mid;
    else return { index: mid, found: true };
  }
  return { index: low, found: false };
}

/** findDigest returns the digest stored for `key`, or undefined. */
export function findDigest(records: Uint8Array, key: Uint8Array, digestSize: number): Uint8Array | undefined {
  const offsets = recordOffsets(records, digestSize);
  const { index, found } = findRecord(asBuffer(records), offsets, key);
  if (!found) return undefined;
  return records.slice(offsets[index + 1]! - digestSize, offsets[index + 1]!);
}

/**
 * applyToRecords applies one bucket's writes in order and returns its new records (a new
 * buffer; `records` is left as it was) and the change in its entry count.
 */
export function applyToRecords(records: Uint8Array, writes: readonly BucketedWrite[], digestSize: number): { records: Uint8Array; added: number } {
  let current = asBuffer(records);
  let added = 0;
  for (const write of writes) {
    const offsets = recordOffsets(current, digestSize);
    const { index, found } = findRecord(current, offsets, write.key);
    const start = offsets[index]!;
    const end = found ? offsets[index + 1]! : start;
    if (write.type === 'delete' && !found) continue;
    const inserted = write.type === 'put' ? recordLength(write.key.length, digestSize) : 0;
    // allocUnsafe takes small buffers from Node's shared pool: no ArrayBuffer per bucket edit.
    const next = Buffer.allocUnsafe(current.length - (end - start) + inserted);
    current.copy(next, 0, 0, start);
    if (write.type === 'put') {
      next.writeUInt32BE(write.key.length, start);
      next.set(write.key, start + 4);
      next.set(write.digest, start + 4 + write.key.length);
    }
    current.copy(next, start + inserted, end);
    added += write.type === 'put' ? (found ? 0 : 1) : -1;
    current = next;
  }
  return { records: current, added };
}

/** groupByBucket splits a batch into each touched bucket's writes, in batch order within a bucket. */
export function groupByBucket(writes: readonly BucketedWrite[]): Map<number, BucketedWrite[]> {
  const groups = new Map<number, BucketedWrite[]>();
  for (const write of writes) {
    const group = groups.get(write.bucket);
    if (group === undefined) groups.set(write.bucket, [write]);
    else group.push(write);
  }
  return groups;
}

/** decodeRecords returns a bucket's entries as objects (copies), in key order. */
export function decodeRecords(records: Uint8Array, digestSize: number): KeyedEntry[] {
  const entries: KeyedEntry[] = [];
  for (let at = 0; at < records.length; ) {
    const keyLength = keyLengthAt(records, at);
    const keyEnd = at + 4 + keyLength;
    entries.push({ key: records.slice(at + 4, keyEnd), digest: records.slice(keyEnd, keyEnd + digestSize) });
    at = keyEnd + digestSize;
  }
  return entries;
}

/** encodeRecords packs key-sorted entries (the inverse of decodeRecords). */
export function encodeRecords(entries: readonly KeyedEntry[], digestSize: number): Uint8Array {
  if (entries.length === 0) return kEmpty;
  let total = 0;
  for (const entry of entries) total += recordLength(entry.key.length, digestSize);
  const out = new Uint8Array(total);
  let at = 0;
  for (const { key, digest } of entries) {
    out[at] = key.length >>> 24;
    out[at + 1] = key.length >>> 16;
    out[at + 2] = key.length >>> 8;
    out[at + 3] = key.length;
    out.set(key, at + 4);
    out.set(digest, at + 4 + key.length);
    at += recordLength(key.length, digestSize);
  }
  return out;
}

/**
 * recordsProblem checks bytes read back from a store: undefined if they are well-formed records
 * of `digestSize`-byte digests with keys in strictly increasing order, else what is wrong.
 */
export function recordsProblem(records: Uint8Array, digestSize: number, maxKeyBytes: number): string | undefined {
  const buffer = asBuffer(records);
  let previous: { at: number; length: number } | undefined;
  for (let at = 0; at < records.length; ) {
    if (records.length - at < 4 + digestSize) return `a record at byte ${at} is cut short`;
    const length = keyLengthAt(records, at);
    if (length > maxKeyBytes) return `the record at byte ${at} claims a key of ${length} bytes`;
    const end = at + recordLength(length, digestSize);
    if (end > records.length) return `the record at byte ${at} runs past the bucket's ${records.length} bytes`;
    if (previous !== undefined && buffer.compare(buffer, previous.at + 4, previous.at + 4 + previous.length, at + 4, at + 4 + length) <= 0) {
      return `the keys at bytes ${previous.at} and ${at} are out of order`;
    }
    previous = { at, length };
    at = end;
  }
  return undefined;
}
