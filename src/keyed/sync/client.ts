/**
 * syncKeyed: repair a local keyed tree (and the rows behind it) from a peer's, over HTTP.
 *
 * By default, the fingerprint exchange (fingerprints.ts): three round trips of truncated
 * hashes and exactly the differing rows, the result checked against the peer's root before
 * anything is written; if that check fails (a truncated fingerprint matched where the trees
 * differ, or the peer is inconsistent), the walk, which trusts no truncation.
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
import { ROOT_HEADER } from '../../sync/protocol.js';
import { Peer, type PeerAccess } from '../../sync/transport.js';
import { describeParams, sameParams } from '../params.js';
import type { RowChange, RowSink } from '../rows.js';
import type { KeyedEntry } from '../store.js';
import type { KeyedOp, KeyedTree } from '../tree.js';
import { decodeBuckets, decodeRows, kDefaultKeyedSyncLimits, KEYED_PROTOCOL_VERSION, PATH_KV_BUCKETS, PATH_KV_META, PATH_KV_NODES, PATH_KV_ROWS, type KeyedMeta } from './protocol.js';
import {
  decodeFetchAnswer,
  decodeGroupsAnswer,
  encodeFetchRequest,
  encodeReconcileRequest,
  fingerprintsOf,
  kMaxFingerprint,
  kMinFingerprint,
  PATH_KV_FETCH,
  PATH_KV_RECONCILE,
  type FingerprintGroup,
} from './fingerprints.js';

const kDefaultFingerprint = 3;

export interface KeyedSyncOptions extends PeerAccess {
  /**
   * `fingerprints` (default): the three-round-trip exchange of truncated hashes, checked
   * against the peer's root before anything is written, falling back to `walk` if that check
   * fails; `walk`: full node hashes, verified level by level (more round trips).
   */
  readonly method?: 'fingerprints' | 'walk';
  /** Bytes of each fingerprint (default 3; 2..digest size). */
  readonly fingerprintBytes?: number;
  /** Levels descended per round trip by the walk (default 4). */
  readonly levelsPerTrip?: number;
  /** Refuse a peer whose root is not this one (hex), before anything is written. */
  readonly expectedRoot?: string;
  readonly idleTimeoutMs?: number;
  readonly totalTimeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface KeyedSyncReport {
  readonly root: string;
  /** How the differences were found (`walk` after a fallback says why in `fallback`). */
  readonly method: 'fingerprints' | 'walk';
  readonly fallback?: string;
  readonly roundTrips: number;
  /** Request and answer bodies, and all bytes on the wire (headers included). */
  readonly payloadBytes: number;
  readonly wireBytes: number;
  readonly differingBuckets: number;
  /** Node hashes (walk) or fingerprints (fingerprints) received. */
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
  const f = options.fingerprintBytes ?? kDefaultFingerprint;
  if (!(Number.isInteger(f) && f >= kMinFingerprint && f <= Math.min(kMaxFingerprint, tree.digestSize))) {
    throw new SyncProtocolError(`fingerprintBytes must be ${kMinFingerprint}..${Math.min(kMaxFingerprint, tree.digestSize)}, got ${f}`);
  }
  const peer = new Peer(url, { idleTimeoutMs: options.idleTimeoutMs ?? 10_000, totalTimeoutMs: options.totalTimeoutMs ?? 120_000, signal: options.signal, ca: options.ca, token: options.token });
  try {
    const wire = () => ({ roundTrips: peer.roundTrips, payloadBytes: peer.payloadBytes, wireBytes: peer.wireBytes });
    if (options.method !== 'walk') {
      const found = await reconcile(peer, tree, f, options.expectedRoot);
      if (found.root === toHex(tree.root())) return { ...wire(), ...emptyRepair(found.root), method: 'fingerprints' };
      const ops: KeyedOp[] = [...found.puts.map((p) => ({ type: 'put' as const, key: p.key, digest: p.digest })), ...found.deletes.map((key) => ({ type: 'delete' as const, key }))];
      if (toHex(tree.rootAfter(ops)) === found.root) {
        // The repaired tree would have the peer's root: every fetched row is what the peer's tree holds.
        sink.apply([...found.puts.map(({ key, value }) => ({ key, value })), ...found.deletes.map((key) => ({ key }))]);
        tree.batch(ops);
        return {
          ...wire(),
          root: found.root,
          method: 'fingerprints',
          differingBuckets: found.differingBuckets,
          nodesFetched: found.fingerprintsFetched,
          rowsPut: found.puts.length,
          rowsDeleted: found.deletes.length,
          rowBytes: found.puts.reduce((sum, p) => sum + p.value.length, 0),
        };
      }
      // A truncated fingerprint matched where the trees differ (or the peer is inconsistent):
      // repair again, trusting no truncation.
      peer.expectedRoot = undefined;
      const walked = await verifiedWalk(peer, tree, sink, perTrip, options.expectedRoot ?? found.root);
      return { ...wire(), ...walked, method: 'walk', fallback: 'the fingerprint repair did not reach the peer\'s root' };
    }
    const walked = await verifiedWalk(peer, tree, sink, perTrip, options.expectedRoot);
    return { ...wire(), ...walked, method: 'walk' };
  } finally {
    peer.close();
  }
}

function emptyRepair(root: string) {
  return { root, differingBuckets: 0, nodesFetched: 0, rowsPut: 0, rowsDeleted: 0, rowBytes: 0 };
}

/**
 * levelsOf splits the descent into the fingerprint exchange's two messages: the client sends
 * its fingerprints of every node at `first`, the server answers under the differing ones at
 * `second`, the client answers with its bucket fingerprints under the differing ones of those.
 * Near-equal steps keep every message small when few keys differ.
 */
function levelsOf(bucketBits: number): { first: number; second: number } {
  const last = Math.ceil(bucketBits / 3);
  const middle = Math.ceil((bucketBits - last) / 2);
  return { first: last + middle, second: last };
}

interface Reconciled {
  readonly root: string;
  readonly puts: { key: Uint8Array; digest: Uint8Array; value: Uint8Array }[];
  readonly deletes: Uint8Array[];
  readonly differingBuckets: number;
  readonly fingerprintsFetched: number;
}

/** ownFingerprints is `count` of the local tree's node hashes at `level` from `first`, truncated to f bytes. */
function ownFingerprints(tree: KeyedTree, level: number, first: number, count: number, f: number): Uint8Array {
  return fingerprintsOf(tree.levelHashes(level, first, count), tree.digestSize, f);
}

/**
 * reconcile runs the fingerprint exchange (fingerprints.ts): two round trips find the differing
 * buckets and the entries in them that differ, a third fetches exactly those rows. Each
 * fetched row must hash to the entry fingerprint it was fetched for and belong to its bucket;
 * the caller checks the whole result against the peer's root before writing any of it.
 */
async function reconcile(peer: Peer, tree: KeyedTree, f: number, expectedRoot: string | undefined): Promise<Reconciled> {
  const bits = tree.params.bucketBits;
  const d = tree.digestSize;
  const h = tree.hasher;
  const head = { f, params: tree.params };
  const limits = kDefaultKeyedSyncLimits;
  const { first, second } = levelsOf(bits);
  let fetched = 0;

  // The root every answer carries: the first one fixes it (and must be the trusted one).
  let root: string | undefined;
  const noteRoot = () => {
    if (root !== undefined) return;
    root = peer.lastRoot;
    if (root === undefined || !/^[0-9a-f]+$/.test(root) || root.length !== 2 * d) throw new SyncProtocolError(`the peer's answer carries no root (${ROOT_HEADER})`);
    if (expectedRoot !== undefined && root !== expectedRoot.toLowerCase()) throw new SyncVerifyError(`the peer serves root ${root}, not the trusted root ${expectedRoot}`);
    peer.expectedRoot = root;
  };

  // Trip 1: all our nodes at `first`; the peer's under each differing one, at `second`. (A
  // tree of under 2 bucket bits has no level between: every node at `second` is asked about.)
  let differingAtSecond: number[] = [];
  if (first === second) differingAtSecond = Array.from({ length: 2 ** (bits - second) }, (_, i) => i);
  else {
    const request = encodeReconcileRequest({ ...head, level: first, answerLevel: second, groups: [{ first: 0, fingerprints: ownFingerprints(tree, first, 0, 2 ** (bits - first), f) }] });
    const answer = decodeGroupsAnswer(await peer.postBytes(PATH_KV_RECONCILE, request, { max: limits.maxNodes * (8 + f) }), f, 2 ** (bits - second), limits.maxNodes);
    noteRoot();
    const span = 2 ** (first - second);
    for (const group of answer) {
      const n = group.fingerprints.length / f;
      if (n !== span || group.first % span !== 0) throw new SyncProtocolError(`reconcile answer: a group of ${n} nodes at ${group.first}, want ${span} under one node`);
      fetched += n;
      const mine = ownFingerprints(tree, second, group.first, n, f);
      for (let i = 0; i < n; i++) if (Buffer.compare(group.fingerprints.subarray(i * f, (i + 1) * f), mine.subarray(i * f, (i + 1) * f)) !== 0) differingAtSecond.push(group.first + i);
    }
  }

  // Trip 2: our bucket fingerprints under those; the peer's entry fingerprints of each differing bucket.
  const bucketSpan = 2 ** second;
  const perRequest = Math.max(1, Math.floor(limits.maxNodes / bucketSpan));
  const peerEntries = new Map<number, Uint8Array>();
  for (let at = 0; at < differingAtSecond.length; at += perRequest) {
    const nodes = differingAtSecond.slice(at, at + perRequest);
    const groups = nodes.map((node) => ({ first: node * bucketSpan, fingerprints: ownFingerprints(tree, 0, node * bucketSpan, bucketSpan, f) }));
    const bytes = await peer.postBytes(PATH_KV_RECONCILE, encodeReconcileRequest({ ...head, level: 0, answerLevel: 0, groups }), { max: limits.maxBucketBytes });
    for (const group of decodeGroupsAnswer(bytes, f, 2 ** bits, limits.maxBucketBytes)) {
      if (peerEntries.has(group.first) || !nodes.includes(group.first >>> second)) throw new SyncProtocolError(`reconcile answer: bucket ${group.first} was not asked about`);
      peerEntries.set(group.first, group.fingerprints);
      fetched += group.fingerprints.length / f;
    }
    noteRoot();
  }

  // Which of the peer's entries we lack, and which of ours it lacks.
  const buckets = [...peerEntries.keys()].sort((a, b) => a - b);
  const local = tree.bucketsWithLeaves(buckets);
  const wanted: FingerprintGroup[] = [];
  const unmatched: Uint8Array[] = [];
  const idsOf = (fingerprints: Uint8Array) => Array.from({ length: fingerprints.length / f }, (_, e) => Buffer.from(fingerprints.subarray(e * f, (e + 1) * f)).toString('latin1'));
  let leafAt = 0;
  buckets.forEach((bucket, i) => {
    const entries = local.entries[i]!;
    const ours = idsOf(fingerprintsOf(local.leaves.subarray(leafAt * d, (leafAt + entries.length) * d), d, f));
    leafAt += entries.length;
    const theirs = peerEntries.get(bucket)!;
    const theirIds = idsOf(theirs);
    const ourSet = new Set(ours);
    const theirSet = new Set(theirIds);
    const missing = theirIds.flatMap((id, e) => (ourSet.has(id) ? [] : [theirs.subarray(e * f, (e + 1) * f)]));
    entries.forEach((entry, e) => {
      if (!theirSet.has(ours[e]!)) unmatched.push(entry.key);
    });
    if (missing.length > 0) wanted.push({ first: bucket, fingerprints: Buffer.concat(missing) });
  });

  // Trip 3: exactly the rows behind the missing fingerprints, each checked against its fingerprint.
  const puts: Reconciled['puts'] = [];
  for (const chunk of chunkGroups(wanted, f, limits.maxRows)) {
    const asked = chunk.reduce((sum, g) => sum + g.fingerprints.length / f, 0);
    const matches = decodeFetchAnswer(await peer.postBytes(PATH_KV_FETCH, encodeFetchRequest({ ...head, groups: chunk }), { max: limits.maxRowBytes }), asked);
    const rows = matches.flat();
    const digests = h.valueDigests(rows.map((r) => r.value));
    const entryLeaves = h.entryLeaves(rows.map((r, i) => ({ key: r.key, digest: digests.subarray(i * d, (i + 1) * d) })));
    const rowBuckets = h.buckets(rows.map((r) => r.key));
    let row = 0;
    let fpIndex = 0;
    for (const group of chunk) {
      for (let i = 0; i < group.fingerprints.length / f; i++, fpIndex++) {
        const fp = group.fingerprints.subarray(i * f, (i + 1) * f);
        for (const { key, value } of matches[fpIndex]!) {
          if (rowBuckets[row] !== group.first || Buffer.compare(entryLeaves.subarray(row * d, row * d + f), fp) !== 0) {
            throw new SyncVerifyError(`the peer's row for key ${toHex(key)} does not match the entry it was fetched for (bucket ${group.first})`);
          }
          puts.push({ key, value, digest: digests.slice(row * d, (row + 1) * d) });
          row++;
        }
      }
    }
  }
  const putKeys = new Set(puts.map((p) => Buffer.from(p.key).toString('latin1')));
  const deletes = unmatched.filter((key) => !putKeys.has(Buffer.from(key).toString('latin1')));
  return { root: root!, puts, deletes, differingBuckets: buckets.length, fingerprintsFetched: fetched };
}

/** chunkGroups splits (bucket, fingerprints) groups so no request asks for more than `max` fingerprints. */
function chunkGroups(groups: readonly FingerprintGroup[], f: number, max: number): FingerprintGroup[][] {
  const chunks: FingerprintGroup[][] = [];
  let current: FingerprintGroup[] = [];
  let count = 0;
  for (const group of groups) {
    for (let at = 0; at < group.fingerprints.length / f; ) {
      if (count === max) {
        chunks.push(current);
        current = [];
        count = 0;
      }
      const take = Math.min(max - count, group.fingerprints.length / f - at);
      current.push({ first: group.first, fingerprints: group.fingerprints.subarray(at * f, (at + take) * f) });
      count += take;
      at += take;
    }
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * verifiedWalk is the repair that trusts no truncation: the peer's nodes in full, each checked
 * against its verified parent, then the differing buckets' (key, digest) lists, then the rows.
 */
async function verifiedWalk(peer: Peer, tree: KeyedTree, sink: RowSink, perTrip: number, expectedRoot: string | undefined): Promise<Omit<KeyedSyncReport, 'roundTrips' | 'payloadBytes' | 'wireBytes' | 'method' | 'fallback'>> {
  const meta = parseMeta(await peer.get(PATH_KV_META, { max: kMaxMetaBytes }));
  const remoteParams = { hash: meta.hash, bucketBits: meta.bucketBits, salt: Buffer.from(meta.salt, 'hex') };
  if (!sameParams(remoteParams, tree.params)) {
    throw new IncompatibleTreesError(`the peer's keyed tree (${describeParams(remoteParams)}) is not a replica of the local one (${describeParams(tree.params)})`);
  }
  const d = tree.digestSize;
  const h = tree.hasher;
  const top = Buffer.from(meta.top, 'hex');
  if (top.length !== d || toHex(h.sealedRoot(top)) !== meta.root) throw new SyncVerifyError(`the peer's top node does not seal to its announced root ${meta.root}`);
  if (expectedRoot !== undefined && meta.root !== expectedRoot.toLowerCase()) {
    throw new SyncVerifyError(`the peer serves root ${meta.root}, not the trusted root ${expectedRoot}`);
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
    differingBuckets: buckets.length,
    nodesFetched,
    rowsPut: wanted.length,
    rowsDeleted: deletes.length,
    rowBytes,
  };
}
