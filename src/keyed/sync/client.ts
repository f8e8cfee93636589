/**
 * syncKeyed: repair a local keyed tree (and the rows behind it) from a peer's, over HTTP.
 *
 * The walk: verify the peer's root from its top node and parameters; descend `levelsPerTrip`
 * levels per round trip into differing nodes only (each answer is hashed back up to its
 * already-verified parent before it is trusted); fetch the (key, digest) lists of the differing
 * buckets only (each list must hash to its verified bucket hash); compare them with the local
 * lists; fetch exactly the rows that are missing or different here (each must hash to the
 * peer's digest); apply them and the deletes through the caller's sink in one transaction; and
 * update the local tree, whose root must then equal the peer's.
 */
import { toHex } from '../../encoding.js';
import { IncompatibleTreesError, SyncProtocolError, SyncVerifyError } from '../../errors.js';
import { Peer } from '../../sync/transport.js';
import { describeParams, sameParams } from '../params.js';
import type { RowChange, RowSink } from '../rows.js';
import type { KeyedEntry } from '../store.js';
import type { KeyedOp, KeyedTree } from '../tree.js';
import { decodeBuckets, decodeRows, kDefaultKeyedSyncLimits, KEYED_PROTOCOL_VERSION, PATH_KV_BUCKETS, PATH_KV_META, PATH_KV_NODES, PATH_KV_ROWS, type KeyedMeta } from './protocol.js';

export interface KeyedSyncOptions {
  /** Levels descended per round trip (default 4). */
  readonly levelsPerTrip?: number;
  /** Refuse a peer whose root is not this one (hex), before anything is written. */
  readonly expectedRoot?: string;
  readonly idleTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface KeyedSyncReport {
  readonly root: string;
  readonly roundTrips: number;
  /** Request and answer bodies, and all bytes on the wire (headers included). */
  readonly payloadBytes: number;
  readonly wireBytes: number;
  readonly differingBuckets: number;
  readonly nodesFetched: number;
  /** Rows written here (puts) and removed here (deletes). */
  readonly rowsPut: number;
  readonly rowsDeleted: number;
  /** Bytes of the rows that had to move: the floor any repair protocol must send. */
  readonly rowBytes: number;
}

const kMaxMetaBytes = 64 * 1024;

function parseMeta(bytes: Buffer): KeyedMeta {
  let meta: KeyedMeta;
  try {
    meta = JSON.parse(bytes.toString('utf8')) as KeyedMeta;
  } catch {
    throw new SyncProtocolError('meta answer is not JSON');
  }
  const hex = (v: unknown) => typeof v === 'string' && /^(?:[0-9a-f]{2})*$/.test(v);
  if (meta === null || typeof meta !== 'object' || meta.protocol !== KEYED_PROTOCOL_VERSION || typeof meta.hash !== 'string' || !Number.isInteger(meta.bucketBits) || !hex(meta.salt) || !hex(meta.root) || !hex(meta.top) || !Number.isInteger(meta.entries)) {
    throw new SyncProtocolError(`meta answer is not keyed protocol ${KEYED_PROTOCOL_VERSION}`);
  }
  return meta;
}

/** syncKeyed brings `tree` and `sink` to the peer's state. Rejects by name on anything unverified; nothing is written before every row is verified. */
export async function syncKeyed(url: string, tree: KeyedTree, sink: RowSink, options: KeyedSyncOptions = {}): Promise<KeyedSyncReport> {
  const perTrip = options.levelsPerTrip ?? 4;
  if (!(Number.isInteger(perTrip) && perTrip >= 1 && perTrip <= 12)) throw new SyncProtocolError(`levelsPerTrip must be 1..12, got ${perTrip}`);
  const peer = new Peer(url, { idleTimeoutMs: options.idleTimeoutMs ?? 10_000, totalTimeoutMs: options.totalTimeoutMs ?? 120_000, signal: options.signal });
  try {
    const meta = parseMeta(await peer.get(PATH_KV_META, { max: kMaxMetaBytes }));
    const remoteParams = { hash: meta.hash, bucketBits: meta.bucketBits, salt: Buffer.from(meta.salt, 'hex') };
    if (!sameParams(remoteParams, tree.params)) {
      throw new IncompatibleTreesError(`the peer's keyed tree (${describeParams(remoteParams)}) is not a replica of the local one (${describeParams(tree.params)})`);
    }
    const d = tree.digestSize;
    const h = tree.hasher;
    const top = Buffer.from(meta.top, 'hex');
    if (top.length !== d || toHex(h.sealedRoot(top)) !== meta.root) throw new SyncVerifyError(`the peer's top node does not seal to its announced root ${meta.root}`);
    if (options.expectedRoot !== undefined && meta.root !== options.expectedRoot.toLowerCase()) {
      throw new SyncVerifyError(`the peer serves root ${meta.root}, not the trusted root ${options.expectedRoot}`);
    }
    peer.expectedRoot = meta.root;

    // Differing nodes at `level`, with the peer's verified hashes.
    let level = tree.params.bucketBits;
    let differing = new Map<number, Buffer>();
    if (Buffer.compare(top, tree.node(level, 0)) !== 0) differing.set(0, top);
    let nodesFetched = 0;
    while (level > 0 && differing.size > 0) {
      const k = Math.min(perTrip, level);
      const below = level - k;
      const span = 2 ** k;
      const parents = [...differing.keys()].sort((a, b) => a - b);
      const ranges = parents.map((i) => [i * span, (i + 1) * span]);
      const answer = await peer.post(PATH_KV_NODES, { root: meta.root, level: below, ranges }, { exact: parents.length * span * d });
      nodesFetched += parents.length * span;
      const next = new Map<number, Buffer>();
      parents.forEach((parent, p) => {
        const nodes = answer.subarray(p * span * d, (p + 1) * span * d);
        // Hash the span back up k levels: it must give the verified parent.
        let layer: Uint8Array = nodes;
        for (let width = span / 2; width >= 1; width /= 2) {
          const up = new Uint8Array(width * d);
          h.parents(layer, width, up);
          layer = up;
        }
        if (Buffer.compare(layer, differing.get(parent)!) !== 0) throw new SyncVerifyError(`the peer's nodes under level ${level} node ${parent} do not hash to it`);
        const local = tree.levelHashes(below, parent * span, span);
        for (let j = 0; j < span; j++) {
          const remote = nodes.subarray(j * d, (j + 1) * d);
          if (Buffer.compare(remote, local.subarray(j * d, (j + 1) * d)) !== 0) next.set(parent * span + j, Buffer.from(remote));
        }
      });
      differing = next;
      level = below;
    }

    const buckets = [...differing.keys()].sort((a, b) => a - b);
    const remoteLists: KeyedEntry[][] = [];
    for (let at = 0; at < buckets.length; at += kDefaultKeyedSyncLimits.maxBuckets) {
      const chunk = buckets.slice(at, at + kDefaultKeyedSyncLimits.maxBuckets);
      const answer = await peer.post(PATH_KV_BUCKETS, { root: meta.root, buckets: chunk }, { max: kDefaultKeyedSyncLimits.maxBucketBytes });
      const lists = decodeBuckets(answer, chunk.length, d);
      const hashes = h.bucketHashes(lists);
      // Every key's bucket, in one kernel call for the whole answer.
      const keyBuckets = h.buckets(lists.flat().map((e) => e.key));
      let keyAt = 0;
      chunk.forEach((bucket, i) => {
        if (Buffer.compare(hashes.subarray(i * d, (i + 1) * d), differing.get(bucket)!) !== 0) throw new SyncVerifyError(`the peer's entry list of bucket ${bucket} does not hash to its bucket hash`);
        const sorted = lists[i]!.every((e, j) => j === 0 || Buffer.compare(lists[i]![j - 1]!.key, e.key) < 0);
        if (!sorted) throw new SyncVerifyError(`the peer's entry list of bucket ${bucket} is not in key order`);
        const first = keyAt;
        keyAt += lists[i]!.length;
        if (!lists[i]!.every((_, j) => keyBuckets[first + j] === bucket)) throw new SyncVerifyError(`the peer's bucket ${bucket} holds a key of another bucket`);
      });
      remoteLists.push(...lists);
    }

    // What differs, bucket by bucket.
    const wanted: KeyedEntry[] = [];
    const deletes: Uint8Array[] = [];
    buckets.forEach((bucket, i) => {
      const local = tree.bucketEntries(bucket);
      const remote = remoteLists[i]!;
      let a = 0;
      let b = 0;
      while (a < local.length || b < remote.length) {
        const order = a === local.length ? 1 : b === remote.length ? -1 : Buffer.compare(local[a]!.key, remote[b]!.key);
        if (order < 0) deletes.push(local[a++]!.key);
        else if (order > 0) wanted.push(remote[b++]!);
        else {
          if (Buffer.compare(local[a]!.digest, remote[b]!.digest) !== 0) wanted.push(remote[b]!);
          a++;
          b++;
        }
      }
    });

    const changes: RowChange[] = [];
    let rowBytes = 0;
    for (let at = 0; at < wanted.length; at += kDefaultKeyedSyncLimits.maxRows) {
      const chunk = wanted.slice(at, at + kDefaultKeyedSyncLimits.maxRows);
      const answer = await peer.post(PATH_KV_ROWS, { root: meta.root, keys: chunk.map((e) => toHex(e.key)) }, { max: kDefaultKeyedSyncLimits.maxRowBytes });
      const values = decodeRows(answer, chunk.length);
      const digests = h.valueDigests(values.map((v) => v ?? new Uint8Array(0)));
      chunk.forEach((entry, i) => {
        const value = values[i];
        if (value === undefined || Buffer.compare(digests.subarray(i * d, (i + 1) * d), entry.digest) !== 0) {
          throw new SyncVerifyError(`the peer's row for key ${toHex(entry.key)} ${value === undefined ? 'is missing' : 'does not hash to its digest in the peer\'s tree'}`);
        }
        rowBytes += value.length;
        changes.push({ key: entry.key, value });
      });
    }
    for (const key of deletes) changes.push({ key });

    // Every row is verified: write the rows, then the tree.
    sink.apply(changes);
    const ops: KeyedOp[] = [...wanted.map((e) => ({ type: 'put' as const, key: e.key, digest: e.digest })), ...deletes.map((key) => ({ type: 'delete' as const, key }))];
    tree.batch(ops);
    const root = toHex(tree.root());
    if (root !== meta.root) throw new SyncVerifyError(`after the repair the local root is ${root}, not the peer's ${meta.root} (was the local tree written to during the sync?)`);
    return {
      root,
      roundTrips: peer.roundTrips,
      payloadBytes: peer.payloadBytes,
      wireBytes: peer.wireBytes,
      differingBuckets: buckets.length,
      nodesFetched,
      rowsPut: wanted.length,
      rowsDeleted: deletes.length,
      rowBytes,
    };
  } finally {
    peer.close();
  }
}
