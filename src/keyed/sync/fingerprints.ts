/**
 * The fingerprint exchange of keyed sync (docs/keyed.md, "Repair"): binary messages in which
 * each side sends truncated hashes — `f` bytes of a node hash, or of an entry leaf hash — and
 * the other answers only where they differ. The two sides compare in turn, so each message
 * descends a few levels and a repair takes three round trips (two of fingerprints, one of
 * rows) however large the tree. Truncation only decides what is fetched; what is written is
 * checked at full strength (the repaired tree's root must equal the peer's) before anything is.
 *
 * All integers big-endian. A request starts with the shape both trees must share:
 *
 *   head      = u8 version (1) ‖ u8 f ‖ u8 bucketBits ‖ u8 len hash ‖ hash ‖ u8 len salt ‖ salt
 *   groups    = u32 count ‖ count × (u32 first ‖ u32 n ‖ n × f bytes)
 *
 *   POST /kv/v1/reconcile   head ‖ u8 level ‖ u8 answerLevel ‖ groups
 *       groups hold the client's fingerprints of nodes [first, first + n) of `level`. The
 *       answer is groups: for each node whose fingerprint differs from the server's, the
 *       server's fingerprints of its descendants at `answerLevel` (< level); at level 0, for
 *       each differing bucket, the fingerprints of its entry leaves in key order (n may be 0).
 *   POST /kv/v1/fetch       head ‖ groups
 *       groups are (bucket, entry fingerprints). The answer, per fingerprint asked, is
 *       u16 matches ‖ matches × (u16 len key ‖ key ‖ u32 len value ‖ value).
 */
import { kMaxKeyBytes } from '../encoding.js';
import type { KeyedParams } from '../store.js';

export const PATH_KV_RECONCILE = '/kv/v1/reconcile';
export const PATH_KV_FETCH = '/kv/v1/fetch';
export const kFingerprintVersion = 1;
/** Fingerprints are 2..32 bytes; 32 is a whole SHA-256 or BLAKE3 digest. */
export const kMinFingerprint = 2;
export const kMaxFingerprint = 32;

/** fingerprintsOf keeps the first `f` bytes of each `digestSize`-byte hash of `hashes`. */
export function fingerprintsOf(hashes: Uint8Array, digestSize: number, f: number): Uint8Array {
  const n = hashes.length / digestSize;
  const out = new Uint8Array(n * f);
  for (let i = 0; i < n; i++) out.set(hashes.subarray(i * digestSize, i * digestSize + f), i * f);
  return out;
}

/** Consecutive items (nodes of a level, or entries of one bucket) and their fingerprints. */
export interface FingerprintGroup {
  /** First node index, or the bucket. */
  readonly first: number;
  /** n × f bytes. */
  readonly fingerprints: Uint8Array;
}

export interface MessageHead {
  readonly f: number;
  readonly params: KeyedParams;
}

/** A bounded reader: every read checks the bytes are there and names the offset if not. */
class Reader {
  at = 0;
  constructor(
    private readonly bytes: Uint8Array,
    private readonly what: string,
  ) {}

  private need(n: number, field: string): void {
    if (this.at + n > this.bytes.length) throw new Error(`${this.what} ends inside ${field} (byte ${this.at} of ${this.bytes.length})`);
  }

  u8(field: string): number {
    this.need(1, field);
    return this.bytes[this.at++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = (this.bytes[this.at]! << 8) | this.bytes[this.at + 1]!;
    this.at += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.bytes;
    const value = ((b[this.at]! << 24) | (b[this.at + 1]! << 16) | (b[this.at + 2]! << 8) | b[this.at + 3]!) >>> 0;
    this.at += 4;
    return value;
  }

  take(n: number, field: string): Uint8Array {
    this.need(n, field);
    const out = this.bytes.subarray(this.at, this.at + n);
    this.at += n;
    return out;
  }

  end(): void {
    if (this.at !== this.bytes.length) throw new Error(`${this.what} has ${this.bytes.length - this.at} bytes past its end (at byte ${this.at})`);
  }
}

/** A growing byte buffer for the writers. */
class Writer {
  private chunks: Uint8Array[] = [];
  private length = 0;

  bytes(b: Uint8Array): this {
    this.chunks.push(b);
    this.length += b.length;
    return this;
  }

  u8(v: number): this {
    return this.bytes(Uint8Array.of(v));
  }

  u16(v: number): this {
    return this.bytes(Uint8Array.of(v >>> 8, v & 0xff));
  }

  u32(v: number): this {
    const b = Buffer.allocUnsafe(4);
    b.writeUInt32BE(v >>> 0);
    return this.bytes(b);
  }

  done(): Buffer {
    return Buffer.concat(this.chunks, this.length);
  }
}

function writeHead(w: Writer, head: MessageHead): void {
  const hash = Buffer.from(head.params.hash, 'latin1');
  w.u8(kFingerprintVersion).u8(head.f).u8(head.params.bucketBits).u8(hash.length).bytes(hash).u8(head.params.salt.length).bytes(head.params.salt);
}

function readHead(r: Reader): MessageHead {
  const version = r.u8('the version');
  if (version !== kFingerprintVersion) throw new Error(`fingerprint message version ${version}; this peer speaks ${kFingerprintVersion}`);
  const f = r.u8('the fingerprint size');
  if (f < kMinFingerprint || f > kMaxFingerprint) throw new Error(`fingerprint size ${f}, want ${kMinFingerprint}..${kMaxFingerprint}`);
  const bucketBits = r.u8('the bucket bits');
  const hash = Buffer.from(r.take(r.u8('the hash name length'), 'the hash name')).toString('latin1');
  const salt = Uint8Array.from(r.take(r.u8('the salt length'), 'the salt'));
  return { f, params: { hash, bucketBits, salt } };
}

function writeGroups(w: Writer, groups: readonly FingerprintGroup[], f: number): void {
  w.u32(groups.length);
  for (const group of groups) w.u32(group.first).u32(group.fingerprints.length / f).bytes(group.fingerprints);
}

/**
 * readGroups reads groups of `f`-byte fingerprints, each inside [0, width) when `width` is
 * given, at most `maxItems` fingerprints in all.
 */
function readGroups(r: Reader, f: number, maxItems: number, width?: number): FingerprintGroup[] {
  const count = r.u32('the group count');
  const groups: FingerprintGroup[] = [];
  let items = 0;
  for (let g = 0; g < count; g++) {
    const first = r.u32(`group ${g}'s first index`);
    const n = r.u32(`group ${g}'s size`);
    items += n;
    if (items > maxItems) throw new Error(`more than ${maxItems} fingerprints`);
    if (width !== undefined && !(first < width && n <= width - first)) throw new Error(`group ${g} [${first}, ${first + n}) is outside 0..${width}`);
    groups.push({ first, fingerprints: r.take(n * f, `group ${g}'s fingerprints`) });
  }
  return groups;
}

export interface ReconcileRequest extends MessageHead {
  readonly level: number;
  readonly answerLevel: number;
  readonly groups: readonly FingerprintGroup[];
}

export function encodeReconcileRequest(request: ReconcileRequest): Buffer {
  const w = new Writer();
  writeHead(w, request);
  w.u8(request.level).u8(request.answerLevel);
  writeGroups(w, request.groups, request.f);
  return w.done();
}

/** parseReconcileRequest reads a request for a tree of `bucketBits`; errors say what is wrong. */
export function parseReconcileRequest(bytes: Uint8Array, maxItems: number): ReconcileRequest {
  const r = new Reader(bytes, 'reconcile request');
  const head = readHead(r);
  const bits = head.params.bucketBits;
  const level = r.u8('the level');
  const answerLevel = r.u8('the answer level');
  if (level > bits) throw new Error(`level ${level} is above the top (${bits})`);
  if (level > 0 && answerLevel >= level) throw new Error(`answer level ${answerLevel} must be below level ${level}`);
  const groups = readGroups(r, head.f, maxItems, 2 ** (bits - level));
  r.end();
  return { ...head, level, answerLevel: level === 0 ? 0 : answerLevel, groups };
}

/** encodeGroupsAnswer lays out a reconcile answer. */
export function encodeGroupsAnswer(groups: readonly FingerprintGroup[], f: number): Buffer {
  const w = new Writer();
  writeGroups(w, groups, f);
  return w.done();
}

/** decodeGroupsAnswer reads a reconcile answer, refusing groups outside [0, width). */
export function decodeGroupsAnswer(bytes: Uint8Array, f: number, width: number, maxItems: number): FingerprintGroup[] {
  const r = new Reader(bytes, 'reconcile answer');
  const groups = readGroups(r, f, maxItems, width);
  r.end();
  return groups;
}

export interface FetchRequest extends MessageHead {
  readonly groups: readonly FingerprintGroup[];
}

export function encodeFetchRequest(request: FetchRequest): Buffer {
  const w = new Writer();
  writeHead(w, request);
  writeGroups(w, request.groups, request.f);
  return w.done();
}

export function parseFetchRequest(bytes: Uint8Array, maxItems: number): FetchRequest {
  const r = new Reader(bytes, 'fetch request');
  const head = readHead(r);
  const groups = readGroups(r, head.f, maxItems);
  for (const [g, group] of groups.entries()) {
    if (group.first >= 2 ** head.params.bucketBits) throw new Error(`group ${g}: bucket ${group.first} is past the last (${2 ** head.params.bucketBits - 1})`);
  }
  r.end();
  return { ...head, groups };
}

/** A row the server holds for an asked fingerprint. */
export interface FetchedRow {
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

export function encodeFetchAnswer(matches: readonly (readonly FetchedRow[])[]): Buffer {
  const w = new Writer();
  for (const rows of matches) {
    w.u16(rows.length);
    for (const row of rows) w.u16(row.key.length).bytes(row.key).u32(row.value.length).bytes(row.value);
  }
  return w.done();
}

export function decodeFetchAnswer(bytes: Uint8Array, asked: number): FetchedRow[][] {
  const r = new Reader(bytes, 'fetch answer');
  const matches: FetchedRow[][] = [];
  for (let i = 0; i < asked; i++) {
    const n = r.u16(`fingerprint ${i}'s match count`);
    const rows: FetchedRow[] = [];
    for (let m = 0; m < n; m++) {
      const keyLength = r.u16(`fingerprint ${i}'s key length`);
      if (keyLength > kMaxKeyBytes) throw new Error(`fetch answer: a key of ${keyLength} bytes (at most ${kMaxKeyBytes})`);
      const key = r.take(keyLength, `fingerprint ${i}'s key`);
      const value = r.take(r.u32(`fingerprint ${i}'s value length`), `fingerprint ${i}'s value`);
      rows.push({ key, value });
    }
    matches.push(rows);
  }
  r.end();
  return matches;
}
