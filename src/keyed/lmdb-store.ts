/**
 * LmdbStore keeps a keyed tree in an LMDB environment (the `lmdb` package, its synchronous API).
 *
 * The path names a directory, created if absent, that holds LMDB's `data.mdb` and `lock.mdb`
 * (LMDB's own convention, set explicitly: lmdb-js would otherwise pick file or directory from
 * whether the name has an extension). A directory is one thing to copy, move or delete.
 *
 * Five named databases, binary keys and values, most keyed by the bucket number (4 bytes,
 * big-endian, so LMDB's memcmp order is bucket order):
 *   entries   bucket  →  the bucket's packed records (records.ts), absent when it is empty
 *   buckets   bucket  →  saved bucket hash
 *   dirty     bucket  →  empty (the bucket was written since its hash was saved)
 *   log       u64 seq →  one batch of writes not yet folded into its buckets
 *   meta      format, hash, bucketBits, salt, count, logSeq, foldEpoch
 * A batch is appended to the log: a commit writes a few sequential pages, where rewriting each
 * touched bucket would write a page per bucket (a thousand random buckets, four megabytes).
 * The log is folded into the buckets — each written once, in key order — when the tree saves
 * its bucket hashes (before a root, a proof or a diff), or when it holds 2^20 writes or 256 MiB
 * of edited buckets. Reads see the edited buckets (kept in memory, replayed from the log at open).
 * Records and log entries read back are checked before anything uses them.
 *
 * Durability: every write method is one `transactionSync` with lmdb-js's default flags
 * (abortable, committed and flushed before it returns), on an environment opened with
 * overlappingSync, noSync and noMetaSync all off: a commit fdatasyncs the data pages, then
 * writes the meta page through an O_DSYNC descriptor, before it returns. A crash during one
 * leaves the previous commit.
 *
 * Opening refuses, with an InputError naming the path, a path that is not a directory, a
 * directory of other files with no data.mdb, a data file that is not LMDB, and an LMDB
 * environment holding databases of something else.
 */
import { accessSync, closeSync, constants, fstatSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { open, type Database, type RootDatabase } from 'lmdb';
import { InputError } from '../errors.js';
import { kMaxKeyBytes } from './encoding.js';
import { digestSizeOf } from './params.js';
import { applyToRecords, findDigest, groupByBucket, recordsProblem } from './records.js';
import type { BucketedWrite, KeyedParams, KeyedStore } from './store.js';

/** Format 2: one value of packed records per bucket (format 1 had one value per entry). */
const kFormat = 2;
/** Every database a keyed tree's environment holds: any other name means it is not one. */
const kDbNames = ['entries', 'buckets', 'dirty', 'log', 'meta'] as const;
const kMetaFormat = Buffer.from('format');
const kMetaHash = Buffer.from('hash');
const kMetaBucketBits = Buffer.from('bucketBits');
const kMetaSalt = Buffer.from('salt');
const kMetaCount = Buffer.from('count');
const kMetaLogSeq = Buffer.from('logSeq');
const kMetaFoldEpoch = Buffer.from('foldEpoch');
/** The log is folded into the buckets once it holds this many writes or its buckets' records this many bytes (bounding memory and replay at open). */
const kFoldAfterWrites = 1 << 20;
const kFoldAfterBytes = 256 << 20;
const kEmpty = Buffer.alloc(0);
const kBinary = { keyEncoding: 'binary', encoding: 'binary' } as const;

type BinaryDb = Database<Uint8Array, Uint8Array>;
type BinaryRoot = RootDatabase<Uint8Array, Uint8Array>;

function bucketKey(bucket: number): Buffer {
  const key = Buffer.allocUnsafe(4);
  key.writeUInt32BE(bucket);
  return key;
}

/** The big-endian uint32 at `at`. (lmdb-js hands back Buffers today; this needs only bytes.) */
function u32(bytes: Uint8Array, at = 0): number {
  return ((bytes[at]! << 24) | (bytes[at + 1]! << 16) | (bytes[at + 2]! << 8) | bytes[at + 3]!) >>> 0;
}

/** A plain Uint8Array view of bytes lmdb-js returned (a fresh copy), as MemoryStore returns. */
function plain(bytes: Uint8Array, skip = 0): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset + skip, bytes.length - skip);
}

function readCount(bytes: Uint8Array | undefined): number {
  return bytes === undefined ? 0 : u32(bytes) * 2 ** 32 + u32(bytes, 4);
}

function encodeCount(count: number): Buffer {
  const bytes = Buffer.allocUnsafe(8);
  bytes.writeBigUInt64BE(BigInt(count));
  return bytes;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// lmdb-js 3.5 crashes the process (a segfault in its cleanup path) whenever LMDB refuses to
// open an environment, so the ways a path can fail to be a store are checked here first and
// reported as an InputError. The header check mirrors mdb_env_read_header for the data format
// this lmdb writes (version 2: a 24-byte page header, then the meta).
const kMetaPageFlag = 0x08;
const kLmdbMagic = 0xbeefc0de;
const kLmdbDataVersion = 2;

function checkLmdbHeader(dataPath: string, storePath: string): void {
  let fd: number;
  try {
    fd = openSync(dataPath, 'r+');
  } catch (error) {
    throw new InputError(`${storePath}: cannot open ${dataPath} for reading and writing: ${messageOf(error)}`, { cause: error });
  }
  try {
    const size = fstatSync(fd).size;
    if (size === 0) return; // LMDB initializes an empty data file as a new environment
    const header = Buffer.alloc(64);
    const read = readSync(fd, header, 0, header.length, 0);
    const notLmdb = `${storePath} is not an LMDB store (${dataPath} is not an LMDB data file)`;
    if (read < header.length) throw new InputError(`${notLmdb}: only ${size} bytes`);
    if ((header.readUInt16LE(18) & kMetaPageFlag) === 0 || header.readUInt32LE(24) !== kLmdbMagic) throw new InputError(notLmdb);
    const version = header.readUInt32LE(28) & 0xffff;
    if (version !== kLmdbDataVersion) {
      throw new InputError(`${storePath}: ${dataPath} is LMDB data format ${version}; this build reads format ${kLmdbDataVersion}`);
    }
    const pageSize = header.readUInt32LE(48);
    if (!(pageSize >= 512 && pageSize <= 65536 && (pageSize & (pageSize - 1)) === 0)) throw new InputError(`${notLmdb}: page size ${pageSize}`);
    if (size < 2 * pageSize) throw new InputError(`${notLmdb}: truncated (${size} bytes, pages of ${pageSize})`);
  } finally {
    closeSync(fd);
  }
}

/** Refuses, before LMDB sees it, a path that cannot be a keyed tree's directory. */
function checkStorePath(path: string): void {
  let isDirectory: boolean;
  try {
    isDirectory = statSync(path).isDirectory();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // created by open
    throw new InputError(`${path}: ${messageOf(error)}`, { cause: error });
  }
  if (!isDirectory) throw new InputError(`${path} is not a directory (a keyed tree on LMDB is a directory holding data.mdb and lock.mdb)`);
  let names: string[];
  try {
    accessSync(path, constants.R_OK | constants.W_OK | constants.X_OK);
    names = readdirSync(path);
    if (names.includes('lock.mdb')) accessSync(join(path, 'lock.mdb'), constants.R_OK | constants.W_OK);
  } catch (error) {
    throw new InputError(`${path}: cannot use the directory: ${messageOf(error)}`, { cause: error });
  }
  if (names.includes('data.mdb')) checkLmdbHeader(join(path, 'data.mdb'), path);
  else if (names.some((name) => name !== 'lock.mdb')) {
    // Never start a store among someone else's files.
    throw new InputError(`${path} is a directory with other files and no data.mdb: not a keyed tree`);
  }
}

export class LmdbStore implements KeyedStore {
  private readonly root: BinaryRoot;
  private readonly entriesDb: BinaryDb;
  private readonly bucketsDb: BinaryDb;
  private readonly dirtyDb: BinaryDb;
  private readonly logDb: BinaryDb;
  private readonly metaDb: BinaryDb;
  private closed = false;
  private cachedDigestSize: number | undefined;
  /** The records of every bucket the log has written since the last fold: the log applied. */
  private pending = new Map<number, Uint8Array>();
  private pendingWrites = 0;
  private pendingBytes = 0;
  /** The log position and fold epoch `pending` reflects (another store of this path may move them). */
  private seenSeq = 0;
  private seenEpoch = -1;

  /** Use openLmdbStore: it checks the path and the environment's contents first. */
  constructor(
    root: BinaryRoot,
    readonly path: string,
  ) {
    this.root = root;
    this.entriesDb = root.openDB('entries', kBinary);
    this.bucketsDb = root.openDB('buckets', kBinary);
    this.dirtyDb = root.openDB('dirty', kBinary);
    this.logDb = root.openDB('log', kBinary);
    this.metaDb = root.openDB('meta', kBinary);
    const format = this.metaDb.get(kMetaFormat);
    if (format !== undefined && u32(format) !== kFormat) throw new InputError(`${path} is a keyed tree of format ${u32(format)}; this build reads format ${kFormat}`);
  }

  readParams(): KeyedParams | undefined {
    this.assertOpen();
    const hash = this.metaDb.get(kMetaHash);
    const bucketBits = this.metaDb.get(kMetaBucketBits);
    if (hash === undefined || bucketBits === undefined) return undefined;
    return { hash: Buffer.from(hash).toString('utf8'), bucketBits: u32(bucketBits), salt: plain(this.metaDb.get(kMetaSalt) ?? kEmpty) };
  }

  writeParams(params: KeyedParams): void {
    this.assertOpen();
    const format = Buffer.allocUnsafe(4);
    format.writeUInt32BE(kFormat);
    const bits = Buffer.allocUnsafe(4);
    bits.writeUInt32BE(params.bucketBits);
    this.root.transactionSync(() => {
      this.metaDb.putSync(kMetaFormat, format);
      this.metaDb.putSync(kMetaHash, Buffer.from(params.hash, 'utf8'));
      this.metaDb.putSync(kMetaBucketBits, bits);
      this.metaDb.putSync(kMetaSalt, Buffer.from(params.salt));
      if (!this.metaDb.doesExist(kMetaCount)) this.metaDb.putSync(kMetaCount, encodeCount(0));
    });
    this.cachedDigestSize = undefined;
  }

  count(): number {
    this.assertOpen();
    return readCount(this.metaDb.get(kMetaCount));
  }

  get(bucket: number, key: Uint8Array): Uint8Array | undefined {
    return findDigest(this.bucketRecords(bucket), key, this.digestSize());
  }

  bucketRecords(bucket: number): Uint8Array {
    this.assertOpen();
    this.refresh();
    return this.current(bucket);
  }

  *records(firstBucket: number, endBucket: number): IterableIterator<{ readonly bucket: number; readonly records: Uint8Array }> {
    this.assertOpen();
    if (endBucket <= firstBucket) return;
    this.refresh();
    // The stored buckets of the range, merged in order with the buckets only the log holds.
    const logged = [...this.pending.keys()].filter((b) => b >= firstBucket && b < endBucket).sort((a, b) => a - b);
    let next = 0;
    const present = (bucket: number, stored: Uint8Array) => {
      const records = this.pending.get(bucket) ?? stored;
      return records.length > 0 ? { bucket, records } : undefined;
    };
    // A bucket number past 32 bits has no 4-byte key: such a range runs to the end.
    const end = endBucket > 0xffffffff ? undefined : bucketKey(endBucket);
    for (const { key, value } of this.entriesDb.getRange({ start: bucketKey(firstBucket), end })) {
      const bucket = u32(key);
      for (; next < logged.length && logged[next]! < bucket; next++) {
        const only = present(logged[next]!, kEmpty);
        if (only !== undefined) yield only;
      }
      if (logged[next] === bucket) next++;
      // Range values are fresh copies (lmdb-js slices them out of its shared buffer).
      const item = present(bucket, this.pending.has(bucket) ? kEmpty : this.checked(bucket, value));
      if (item !== undefined) yield item;
    }
    for (; next < logged.length; next++) {
      const only = present(logged[next]!, kEmpty);
      if (only !== undefined) yield only;
    }
  }

  /**
   * apply appends the batch to the log — one sequential value, not a rewrite of every bucket
   * it touches, so a commit writes a few pages instead of one per bucket — with the new entry
   * count, in one transaction. The buckets take the writes when they are next folded.
   */
  apply(writes: readonly BucketedWrite[]): void {
    this.assertOpen();
    if (writes.length === 0) return;
    this.refresh();
    const digestSize = this.digestSize();
    const log = encodeWrites(writes, digestSize);
    // The new records are computed first and kept only once the log entry is committed.
    // (applyToRecords copies keys and digests, so the caller may reuse its buffers.)
    const edits = [...groupByBucket(writes)].map(([bucket, group]) => ({ bucket, ...applyToRecords(this.current(bucket), group, digestSize) }));
    const count = this.count() + edits.reduce((sum, edit) => sum + edit.added, 0);
    const seq = this.seenSeq + 1;
    this.root.transactionSync(() => {
      this.logDb.putSync(encodeCount(seq), log);
      this.metaDb.putSync(kMetaLogSeq, encodeCount(seq));
      this.metaDb.putSync(kMetaCount, encodeCount(count));
    });
    this.seenSeq = seq;
    for (const { bucket, records } of edits) this.setPending(bucket, records);
    this.pendingWrites += writes.length;
    if (this.pendingWrites >= kFoldAfterWrites || this.pendingBytes >= kFoldAfterBytes) this.root.transactionSync(() => this.fold([]));
  }

  bucketHashes(digestSize: number): { hashes: Uint8Array; dirty: number[] } {
    this.assertOpen();
    this.refresh();
    const bucketCount = 2 ** (this.readParams()?.bucketBits ?? 0);
    const hashes = new Uint8Array(bucketCount * digestSize);
    const dirty = new Set<number>(this.pending.keys());
    // One read transaction for both scans, so the hashes and the dirty marks agree.
    const transaction = this.root.useReadTransaction();
    try {
      for (const { key, value } of this.bucketsDb.getRange({ start: bucketKey(0), transaction })) {
        const bucket = u32(key);
        if (bucket >= bucketCount || value.length !== digestSize) {
          throw new InputError(`the LMDB store at ${this.path} is damaged: bucket ${bucket} has a saved hash of ${value.length} bytes (${bucketCount} buckets, ${digestSize}-byte hashes)`);
        }
        hashes.set(value, bucket * digestSize);
      }
      for (const key of this.dirtyDb.getKeys({ start: bucketKey(0), transaction })) dirty.add(u32(key));
    } finally {
      transaction.done();
    }
    return { hashes, dirty: [...dirty].sort((a, b) => a - b) };
  }

  /** saveBucketHashes folds the log into the buckets and saves the hashes, in one transaction. */
  saveBucketHashes(buckets: readonly number[], hashes: Uint8Array): void {
    this.assertOpen();
    if (buckets.length === 0) return;
    this.refresh();
    const size = hashes.length / buckets.length;
    this.root.transactionSync(() => {
      this.fold(buckets);
      buckets.forEach((bucket, i) => {
        const key = bucketKey(bucket);
        this.bucketsDb.putSync(key, hashes.subarray(i * size, (i + 1) * size));
        this.dirtyDb.removeSync(key);
      });
    });
  }

  clear(): void {
    this.assertOpen();
    this.root.transactionSync(() => {
      // Nested in this transaction, clearSync drops the database within it (no commit of its own).
      this.entriesDb.clearSync();
      this.bucketsDb.clearSync();
      this.dirtyDb.clearSync();
      this.logDb.clearSync();
      this.metaDb.putSync(kMetaCount, encodeCount(0));
      this.metaDb.putSync(kMetaFoldEpoch, encodeCount(this.nextEpoch()));
    });
    this.pending = new Map();
    this.pendingWrites = 0;
    this.pendingBytes = 0;
    this.seenEpoch = readCount(this.metaDb.get(kMetaFoldEpoch));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    // With no asynchronous writes pending, lmdb-js closes the environment before returning.
    void this.root.close();
  }

  /**
   * fold (inside the caller's transaction) writes every logged bucket's merged records and
   * empties the log; a folded bucket not in `hashed` keeps a dirty mark, since its saved hash
   * is now out of date.
   */
  private fold(hashed: readonly number[]): void {
    const saved = new Set(hashed);
    for (const [bucket, records] of this.pending) {
      const key = bucketKey(bucket);
      if (records.length === 0) this.entriesDb.removeSync(key);
      else this.entriesDb.putSync(key, records);
      if (!saved.has(bucket)) this.dirtyDb.putSync(key, kEmpty);
    }
    this.logDb.clearSync();
    const epoch = this.nextEpoch();
    this.metaDb.putSync(kMetaFoldEpoch, encodeCount(epoch));
    // Committed by the caller's transaction; if it aborts, refresh() reloads the log.
    this.pending = new Map();
    this.pendingWrites = 0;
    this.pendingBytes = 0;
    this.seenEpoch = epoch;
  }

  private nextEpoch(): number {
    return readCount(this.metaDb.get(kMetaFoldEpoch)) + 1;
  }

  /**
   * refresh brings `pending` up to the log as committed: at open, and whenever another store
   * of this path appended to the log or folded it.
   */
  private refresh(): void {
    const epoch = readCount(this.metaDb.get(kMetaFoldEpoch));
    const seq = readCount(this.metaDb.get(kMetaLogSeq));
    if (epoch === this.seenEpoch && seq === this.seenSeq) return;
    const from = epoch === this.seenEpoch ? this.seenSeq + 1 : 0;
    if (epoch !== this.seenEpoch) {
      this.pending = new Map();
      this.pendingWrites = 0;
      this.pendingBytes = 0;
    }
    for (const { key, value } of this.logDb.getRange({ start: encodeCount(from) })) {
      const digestSize = this.digestSize();
      const writes = decodeWrites(value, digestSize, (problem) => new InputError(`the LMDB store at ${this.path} is damaged: log entry ${readCount(key)}: ${problem}`));
      for (const [bucket, group] of groupByBucket(writes)) this.setPending(bucket, applyToRecords(this.current(bucket), group, digestSize).records);
      this.pendingWrites += writes.length;
    }
    this.seenEpoch = epoch;
    this.seenSeq = seq;
  }

  private setPending(bucket: number, records: Uint8Array): void {
    this.pendingBytes += records.length - (this.pending.get(bucket)?.length ?? 0);
    this.pending.set(bucket, records);
  }

  /** current is a bucket's records as of the last commit: from the log's edits, else as stored. */
  private current(bucket: number): Uint8Array {
    return this.pending.get(bucket) ?? this.storedRecords(bucket);
  }

  private storedRecords(bucket: number): Uint8Array {
    // get (not getBinaryFast, whose buffer the next read overwrites) returns a fresh copy.
    const records = this.entriesDb.get(bucketKey(bucket));
    return records === undefined ? kEmpty : this.checked(bucket, records);
  }

  /** checked refuses records that are not well-formed: the store was damaged or written by something else. */
  private checked(bucket: number, records: Uint8Array): Uint8Array {
    const problem = recordsProblem(records, this.digestSize(), kMaxKeyBytes);
    if (problem !== undefined) throw new InputError(`the LMDB store at ${this.path} is damaged: bucket ${bucket}: ${problem}`);
    return plain(records);
  }

  private digestSize(): number {
    if (this.cachedDigestSize === undefined) {
      const params = this.readParams();
      if (params === undefined) throw new Error(`LmdbStore ${this.path}: writeParams must come before any write`);
      this.cachedDigestSize = digestSizeOf(params);
    }
    return this.cachedDigestSize;
  }

  private assertOpen(): void {
    // lmdb-js's own errors for a closed environment name no path.
    if (this.closed) throw new InputError(`the LMDB store at ${this.path} is closed`);
  }
}

/** The log's encoding of a batch: per write, u8 kind (1 put, 0 delete) ‖ u32 bucket ‖ u16 len key ‖ key ‖ digest (puts). */
function encodeWrites(writes: readonly BucketedWrite[], digestSize: number): Buffer {
  let total = 0;
  for (const write of writes) total += 7 + write.key.length + (write.type === 'put' ? digestSize : 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const write of writes) {
    out[at] = write.type === 'put' ? 1 : 0;
    out.writeUInt32BE(write.bucket, at + 1);
    out.writeUInt16BE(write.key.length, at + 5);
    out.set(write.key, at + 7);
    at += 7 + write.key.length;
    if (write.type === 'put') {
      out.set(write.digest, at);
      at += digestSize;
    }
  }
  return out;
}

function decodeWrites(bytes: Uint8Array, digestSize: number, damaged: (problem: string) => Error): BucketedWrite[] {
  const view = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const writes: BucketedWrite[] = [];
  for (let at = 0; at < view.length; ) {
    if (view.length - at < 7) throw damaged(`a write at byte ${at} is cut short`);
    const kind = view[at]!;
    const bucket = view.readUInt32BE(at + 1);
    const keyLength = view.readUInt16BE(at + 5);
    const size = 7 + keyLength + (kind === 1 ? digestSize : 0);
    if (kind > 1 || keyLength > kMaxKeyBytes || at + size > view.length) throw damaged(`the write at byte ${at} is malformed`);
    const key = Uint8Array.from(view.subarray(at + 7, at + 7 + keyLength));
    writes.push(kind === 1 ? { type: 'put', bucket, key, digest: Uint8Array.from(view.subarray(at + 7 + keyLength, at + size)) } : { type: 'delete', bucket, key });
    at += size;
  }
  return writes;
}

/** The names of the databases in the environment's main database (lmdb-js stores them NUL-terminated). */
function databaseNames(root: BinaryRoot): string[] {
  return Array.from(root.getKeys({ start: Buffer.from([0]) }), (key) => Buffer.from(key as Uint8Array).toString('latin1').replace(/\0$/, ''));
}

/** openLmdbStore opens the keyed-tree store in directory `path`, creating it if absent. */
export function openLmdbStore(path: string): LmdbStore {
  checkStorePath(path);
  let root: BinaryRoot;
  try {
    root = open<Uint8Array, Uint8Array>({
      path,
      noSubdir: false,
      overlappingSync: false,
      noSync: false,
      noMetaSync: false,
      useWritemap: false,
      maxDbs: 8,
      ...kBinary,
    });
  } catch (error) {
    throw new InputError(`${path}: cannot open the LMDB store: ${messageOf(error)}`, { cause: error });
  }
  try {
    const foreign = databaseNames(root).filter((name) => !(kDbNames as readonly string[]).includes(name));
    if (foreign.length > 0) throw new InputError(`${path} is an LMDB store of something else (it holds ${foreign.map((n) => JSON.stringify(n)).join(', ')}), not a keyed tree`);
    return new LmdbStore(root, path);
  } catch (error) {
    void root.close();
    if (error instanceof InputError) throw error;
    throw new InputError(`${path}: cannot read the LMDB store: ${messageOf(error)}`, { cause: error });
  }
}
