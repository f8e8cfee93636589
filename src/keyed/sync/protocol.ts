/**
 * The keyed sync protocol, version 1 (docs/keyed.md, "Repair"). Paths, limits, and the binary
 * layouts both ends read. Every answer carries the serving tree's root in `x-merkle-root`; a
 * request naming another root gets 409.
 *
 *   GET  /kv/v1/meta                     JSON KeyedMeta: parameters, entries, root, top node
 *   POST /kv/v1/nodes   { root, level, ranges: [[begin, end], …] }  -> node hashes, back to back
 *   POST /kv/v1/buckets { root, buckets: [b, …] }   -> per bucket: u32 count, then per entry
 *                                                      u16 key length, key, digest
 *   POST /kv/v1/rows    { root, keys: [hex, …] }    -> per key: u32 length (0xffffffff: absent), value
 */
import { SyncProtocolError } from '../../errors.js';
import { kMaxKeyBytes } from '../encoding.js';
import type { KeyedEntry } from '../store.js';

export const KEYED_PROTOCOL_VERSION = 1;
export const PATH_KV_META = '/kv/v1/meta';
export const PATH_KV_NODES = '/kv/v1/nodes';
export const PATH_KV_BUCKETS = '/kv/v1/buckets';
export const PATH_KV_ROWS = '/kv/v1/rows';
export const kAbsentRow = 0xffffffff;

export interface KeyedSyncLimits {
  readonly maxRequestBytes: number;
  /** Most node hashes in one nodes answer. */
  readonly maxNodes: number;
  /** Most buckets in one buckets request. */
  readonly maxBuckets: number;
  /** Largest buckets answer in bytes. */
  readonly maxBucketBytes: number;
  /** Most keys in one rows request. */
  readonly maxRows: number;
  /** Largest rows answer in bytes. */
  readonly maxRowBytes: number;
}

export const kDefaultKeyedSyncLimits: KeyedSyncLimits = {
  maxRequestBytes: 4 * 1024 * 1024,
  maxNodes: 1 << 16,
  maxBuckets: 4096,
  maxBucketBytes: 64 * 1024 * 1024,
  maxRows: 4096,
  maxRowBytes: 64 * 1024 * 1024,
};

/** What GET /kv/v1/meta answers (bytes as hex). */
export interface KeyedMeta {
  readonly protocol: number;
  readonly hash: string;
  readonly bucketBits: number;
  readonly salt: string;
  readonly digestSize: number;
  readonly entries: number;
  readonly root: string;
  /** The top node (level bucketBits); the root is it sealed with the shape. */
  readonly top: string;
}

/** encodeBuckets lays out bucket entry lists for the wire. */
export function encodeBuckets(lists: readonly (readonly KeyedEntry[])[], digestSize: number): Buffer {
  let total = 0;
  for (const list of lists) {
    total += 4;
    for (const entry of list) total += 2 + entry.key.length + digestSize;
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const list of lists) {
    at = out.writeUInt32BE(list.length, at);
    for (const entry of list) {
      at = out.writeUInt16BE(entry.key.length, at);
      out.set(entry.key, at);
      out.set(entry.digest, at + entry.key.length);
      at += entry.key.length + digestSize;
    }
  }
  return out;
}

/** decodeBuckets reads `count` bucket lists, refusing anything that does not fit exactly. */
export function decodeBuckets(bytes: Buffer, count: number, digestSize: number): KeyedEntry[][] {
  const lists: KeyedEntry[][] = [];
  let at = 0;
  const need = (n: number, what: string) => {
    if (at + n > bytes.length) throw new SyncProtocolError(`buckets answer ends inside ${what} (at byte ${at} of ${bytes.length})`);
  };
  for (let b = 0; b < count; b++) {
    need(4, `bucket ${b}'s count`);
    const entries = bytes.readUInt32BE(at);
    at += 4;
    const list: KeyedEntry[] = [];
    for (let e = 0; e < entries; e++) {
      need(2, `an entry's key length`);
      const keyLength = bytes.readUInt16BE(at);
      at += 2;
      if (keyLength > kMaxKeyBytes) throw new SyncProtocolError(`buckets answer: a key of ${keyLength} bytes (at most ${kMaxKeyBytes})`);
      need(keyLength + digestSize, 'an entry');
      list.push({ key: bytes.subarray(at, at + keyLength), digest: bytes.subarray(at + keyLength, at + keyLength + digestSize) });
      at += keyLength + digestSize;
    }
    lists.push(list);
  }
  if (at !== bytes.length) throw new SyncProtocolError(`buckets answer has ${bytes.length - at} bytes past its ${count} buckets`);
  return lists;
}

export function encodeRows(values: readonly (Uint8Array | undefined)[]): Buffer {
  const total = values.reduce((sum, v) => sum + 4 + (v?.length ?? 0), 0);
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (const value of values) {
    at = out.writeUInt32BE(value === undefined ? kAbsentRow : value.length, at);
    if (value !== undefined) {
      out.set(value, at);
      at += value.length;
    }
  }
  return out;
}

export function decodeRows(bytes: Buffer, count: number): (Uint8Array | undefined)[] {
  const values: (Uint8Array | undefined)[] = [];
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw new SyncProtocolError(`rows answer ends inside row ${i}'s length`);
    const length = bytes.readUInt32BE(at);
    at += 4;
    if (length === kAbsentRow) {
      values.push(undefined);
      continue;
    }
    if (at + length > bytes.length) throw new SyncProtocolError(`rows answer ends inside row ${i}`);
    values.push(bytes.subarray(at, at + length));
    at += length;
  }
  if (at !== bytes.length) throw new SyncProtocolError(`rows answer has ${bytes.length - at} bytes past its ${count} rows`);
  return values;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isIndex = (v: unknown, end: number): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < end;

/** The parsed, bounded requests the server accepts; parse errors name the field. */
export function parseNodesRequest(body: unknown, bucketBits: number, limits: KeyedSyncLimits): { root: string; level: number; ranges: Array<[number, number]> } {
  if (!isObject(body) || typeof body.root !== 'string') throw new Error('want { root, level, ranges }');
  const level = body.level;
  if (!isIndex(level, bucketBits + 1)) throw new Error(`level must be 0..${bucketBits}`);
  const width = 2 ** (bucketBits - level);
  if (!Array.isArray(body.ranges)) throw new Error('ranges must be a list of [begin, end]');
  let nodes = 0;
  const ranges = body.ranges.map((r: unknown, i: number) => {
    if (!Array.isArray(r) || r.length !== 2 || !isIndex(r[0], width) || !(typeof r[1] === 'number' && Number.isInteger(r[1]) && r[1] > r[0] && r[1] <= width)) {
      throw new Error(`range ${i} must be [begin, end] with 0 <= begin < end <= ${width}`);
    }
    nodes += r[1] - r[0];
    return [r[0], r[1]] as [number, number];
  });
  if (nodes > limits.maxNodes) throw new Error(`${nodes} nodes asked for, at most ${limits.maxNodes}`);
  return { root: body.root, level, ranges };
}

export function parseBucketsRequest(body: unknown, bucketBits: number, limits: KeyedSyncLimits): { root: string; buckets: number[] } {
  if (!isObject(body) || typeof body.root !== 'string' || !Array.isArray(body.buckets)) throw new Error('want { root, buckets }');
  if (body.buckets.length > limits.maxBuckets) throw new Error(`${body.buckets.length} buckets asked for, at most ${limits.maxBuckets}`);
  const buckets = body.buckets.map((b: unknown, i: number) => {
    if (!isIndex(b, 2 ** bucketBits)) throw new Error(`bucket ${i} must be 0..${2 ** bucketBits - 1}`);
    return b;
  });
  return { root: body.root, buckets };
}

export function parseRowsRequest(body: unknown, limits: KeyedSyncLimits): { root: string; keys: Uint8Array[] } {
  if (!isObject(body) || typeof body.root !== 'string' || !Array.isArray(body.keys)) throw new Error('want { root, keys }');
  if (body.keys.length > limits.maxRows) throw new Error(`${body.keys.length} rows asked for, at most ${limits.maxRows}`);
  const keys = body.keys.map((k: unknown, i: number) => {
    if (typeof k !== 'string' || !/^(?:[0-9a-f]{2})*$/.test(k) || k.length > 2 * kMaxKeyBytes) throw new Error(`key ${i} must be lowercase hex of at most ${kMaxKeyBytes} bytes`);
    return Buffer.from(k, 'hex');
  });
  return { root: body.root, keys };
}
