/**
 * syncFile: make a local file equal to a peer's, fetching only what differs.
 *
 *   1. GET the peer's metadata with the top levels of its tree.
 *   2. Build (or open) the local tree with the peer's profile, hash and block size.
 *   3. Walk the peer's tree down `levelsPerTrip` levels per request, verifying every node
 *      against its verified parent and keeping only subtrees that differ (src/sync/walk.ts).
 *   4. Fetch the differing blocks, check each against its verified leaf hash, write them into
 *      a copy of the local file, cut it to the peer's length and rename it into place.
 *   5. With a tree path, rebuild the local tree and check its root is the peer's.
 * Any failure before the rename leaves the local file exactly as it was.
 */
import { stat } from 'node:fs/promises';
import { buildTree } from '../api/build.js';
import { toHex } from '../encoding.js';
import { InputError, MerkleError, SyncError, SyncVerifyError } from '../errors.js';
import { kLeafModeInfo } from '../store/leaf-modes.js';
import { sourceIdentityOf } from '../store/source.js';
import type { SourceIdentity } from '../store/format.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import { openTree, type OpenTree } from '../api/open-tree.js';
import type { NodeSource } from '../api/proofs.js';
import { checkSource } from '../store/source.js';
import { mergeIndexes, type DiffShape, type IndexRange } from '../tree/diff.js';
import type { TreeHasher } from '../tree/hasher.js';
import { levelCount } from '../tree/levels.js';
import { kProfiles } from '../tree/profile.js';
import { PatchedCopy } from './patch.js';
import { blockBytes, kDefaultSyncLimits, parseTreeMeta, PATH_BLOCKS, PATH_META, PATH_NODES, type NodeRange, type SyncLimits, type TreeMeta } from './protocol.js';
import { Peer, type PeerAccess } from './transport.js';
import { descend, descendantRanges, type LevelNodes, type WalkContext } from './walk.js';

export interface SyncOptions extends PeerAccess {
  /** Local .mtree of the file: opened when current, else (re)built there; rebuilt after the sync. */
  readonly tree?: string;
  /** Tree levels walked per round trip (default 4, 1 to limits.maxDepth). */
  readonly levelsPerTrip?: number;
  /**
   * The root you trust, as `merkle build` prints it: a peer serving any other root is refused
   * before anything is read from it or written here.
   */
  readonly expectedRoot?: string;
  /** Milliseconds the peer may stay silent during a request (default 15 s). */
  readonly idleTimeoutMs?: number;
  /** Milliseconds one request may take in all (default 120 s). */
  readonly requestTimeoutMs?: number;
  readonly limits?: Partial<SyncLimits>;
  readonly backend?: BackendChoice;
  readonly threads?: number;
  readonly signal?: AbortSignal;
  /** Test seam: runs after the patched copy is flushed, before it is renamed over the file. */
  readonly _beforeRename?: (tempPath: string) => void | Promise<void>;
}

export interface SyncReport {
  readonly url: string;
  readonly local: string;
  /** The local file was replaced. */
  readonly changed: boolean;
  /** The peer's root, as printed (display order). */
  readonly root: string;
  readonly leaves: number;
  readonly blockSize: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
  /** Requests made: each one round trip. */
  readonly roundTrips: number;
  /** Bytes on the wire both ways, HTTP headers included. */
  readonly bytesTransferred: number;
  /** Bytes of request and response bodies. */
  readonly payloadBytes: number;
  readonly nodesFetched: number;
  readonly nodesCompared: number;
  readonly blocksPatched: number;
  /** Block bytes fetched. */
  readonly blockBytes: number;
  /** Leaf ranges fetched. */
  readonly ranges: IndexRange[];
  /** Bytes a full copy would move: the peer's data length. */
  readonly fullCopyBytes: number;
  /** bytesTransferred / fullCopyBytes (0 for empty data). */
  readonly ratio: number;
  /** The local tree file was (re)built. */
  readonly treeBuilt: boolean;
  readonly seconds: number;
}

interface LocalTree {
  readonly source: NodeSource;
  /** Size and mtime of the local file when its tree was taken; undefined when it does not exist. */
  readonly identity?: SourceIdentity;
  readonly exists: boolean;
  readonly bytes: number;
  readonly built: boolean;
  close(): Promise<void>;
}

const kEmpty = (meta: TreeMeta): NodeSource => ({
  profile: meta.profile,
  hash: meta.hash,
  size: 0,
  blockSize: meta.blockSize,
  root: new Uint8Array(meta.digestSize),
  getNode: () => {
    throw new RangeError('an empty tree has no nodes');
  },
});

async function fileSize(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).size;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

function buildOptions(meta: TreeMeta, options: SyncOptions) {
  return { profile: meta.profile, hash: meta.hash, blockSize: meta.blockSize, backend: options.backend, threads: options.threads };
}

/** The local tree over the peer's profile, hash and block size: an existing current tree file, else built. */
async function localTree(localPath: string, meta: TreeMeta, options: SyncOptions): Promise<LocalTree> {
  const bytes = await fileSize(localPath);
  const identity = bytes === undefined ? undefined : await sourceIdentityOf(localPath);
  if (bytes === undefined) return { source: kEmpty(meta), exists: false, bytes: 0, built: false, close: async () => undefined };
  if (options.tree) {
    let tree: OpenTree | undefined;
    try {
      tree = await openTree(options.tree);
      const m = tree.meta;
      if (m.profile === meta.profile && m.hash === meta.hash && kLeafModeInfo[m.leafMode].fixedBlocks && m.blockSize === meta.blockSize) {
        await checkSource(tree.reader, localPath);
        const current = tree;
        return { source: current, identity, exists: true, bytes, built: false, close: () => current.close() };
      }
    } catch (error) {
      // Missing, corrupt or stale (InputError, TreeFileError): rebuilt below. Anything else is real.
      if (!(error instanceof MerkleError)) throw error;
    }
    await tree?.close();
    await buildTree(localPath, { ...buildOptions(meta, options), out: options.tree });
    const rebuilt = await openTree(options.tree);
    return { source: rebuilt, identity, exists: true, bytes, built: true, close: () => rebuilt.close() };
  }
  const built = await buildTree(localPath, { ...buildOptions(meta, options), keepLevels: true });
  return { source: built, identity, exists: true, bytes, built: false, close: async () => undefined };
}

/**
 * requireUnchanged aborts when the local file was written to since its tree was taken: the
 * blocks the walk found equal might no longer be, and the rename would drop the new writes.
 */
async function requireUnchanged(localPath: string, identity: SourceIdentity | undefined): Promise<void> {
  const now = (await fileSize(localPath)) === undefined ? undefined : await sourceIdentityOf(localPath);
  if (!identity && !now) return;
  if (identity && now && now.size === identity.size && now.mtimeNs === identity.mtimeNs) return;
  throw new SyncError('ERR_SYNC_LOCAL_CHANGED', `${localPath} changed while it was being synced; run the sync again`);
}

/** Splits sorted node ranges into requests within the node and range limits. */
function nodeBatches(ranges: NodeRange[], limits: SyncLimits): NodeRange[][] {
  const batches: NodeRange[][] = [];
  let batch: NodeRange[] = [];
  let nodes = 0;
  for (let range of ranges) {
    while (range.end > range.begin) {
      const room = limits.maxNodes - nodes;
      if (room === 0 || batch.length === limits.maxRanges) {
        batches.push(batch);
        batch = [];
        nodes = 0;
        continue;
      }
      const take = Math.min(room, range.end - range.begin);
      batch.push({ level: range.level, begin: range.begin, end: range.begin + take });
      nodes += take;
      range = { ...range, begin: range.begin + take };
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/** Splits block ranges into requests within the byte and range limits. */
function blockBatches(ranges: IndexRange[], meta: TreeMeta, limits: SyncLimits): IndexRange[][] {
  const perRequest = Math.max(1, Math.floor(limits.maxBlockBytes / meta.blockSize));
  const batches: IndexRange[][] = [];
  let batch: IndexRange[] = [];
  let blocks = 0;
  for (let range of ranges) {
    while (range.end > range.begin) {
      if (blocks === perRequest || batch.length === limits.maxRanges) {
        batches.push(batch);
        batch = [];
        blocks = 0;
      }
      const take = Math.min(perRequest - blocks, range.end - range.begin);
      batch.push({ begin: range.begin, end: range.begin + take });
      blocks += take;
      range = { begin: range.begin + take, end: range.end };
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

/**
 * syncFile makes `localPath` byte-equal to the data served at `url` (a `merkle serve` peer).
 * Rejects with a SyncError (code ERR_SYNC_*) when the peer lies, stalls, breaks the protocol
 * or changes its data mid-sync; the local file is then untouched.
 */
export async function syncFile(url: string, localPath: string, options: SyncOptions = {}): Promise<SyncReport> {
  const started = process.hrtime.bigint();
  const limits: SyncLimits = { ...kDefaultSyncLimits, ...options.limits };
  const levelsPerTrip = options.levelsPerTrip ?? 4;
  if (!Number.isSafeInteger(levelsPerTrip) || levelsPerTrip < 1 || levelsPerTrip > limits.maxDepth) {
    throw new RangeError(`options.levelsPerTrip must be a whole number from 1 to ${limits.maxDepth}, got ${levelsPerTrip}`);
  }
  const trusted = options.expectedRoot;
  if (trusted !== undefined && !(typeof trusted === 'string' && /^(?:[0-9a-fA-F]{2})+$/.test(trusted))) {
    throw new InputError(`options.expectedRoot must be a hash in hex, got ${JSON.stringify(trusted)}`);
  }
  const peer = new Peer(url, { idleTimeoutMs: options.idleTimeoutMs ?? 15_000, totalTimeoutMs: options.requestTimeoutMs ?? 120_000, signal: options.signal, ca: options.ca, token: options.token });
  let local: LocalTree | undefined;
  let copy: PatchedCopy | undefined;
  try {
    const metaBytes = await peer.get(`${PATH_META}?depth=${levelsPerTrip}`, { max: limits.maxMetaBytes });
    let metaJson: unknown;
    try {
      metaJson = JSON.parse(metaBytes.toString('utf8'));
    } catch {
      metaJson = undefined;
    }
    const meta = parseTreeMeta(metaJson, levelsPerTrip);
    peer.expectedRoot = meta.root;
    const profile = kProfiles[meta.profile];
    const { hasher } = await loadTreeHasher(profile, meta.hash, options.backend ?? 'auto');
    const remoteRoot = Buffer.from(meta.root, 'hex');
    if (trusted !== undefined && toHex(remoteRoot, profile.reversedDisplay) !== trusted.toLowerCase()) {
      throw new SyncVerifyError(`the peer serves root ${toHex(remoteRoot, profile.reversedDisplay)}, not the trusted root ${trusted.toLowerCase()}`);
    }
    local = await localTree(localPath, meta, options);
    const sizeBefore = local.bytes;
    const report = (fields: { changed: boolean; nodesFetched: number; nodesCompared: number; ranges: IndexRange[]; blockBytes: number; blocks: number; treeBuilt: boolean }): SyncReport => ({
      url,
      local: localPath,
      changed: fields.changed,
      root: toHex(remoteRoot, profile.reversedDisplay),
      leaves: meta.leafCount,
      blockSize: meta.blockSize,
      sizeBefore,
      sizeAfter: meta.dataLength,
      roundTrips: peer.roundTrips,
      bytesTransferred: peer.wireBytes,
      payloadBytes: peer.payloadBytes,
      nodesFetched: fields.nodesFetched,
      nodesCompared: fields.nodesCompared,
      blocksPatched: fields.blocks,
      blockBytes: fields.blockBytes,
      ranges: fields.ranges,
      fullCopyBytes: meta.dataLength,
      ratio: meta.dataLength === 0 ? 0 : peer.wireBytes / meta.dataLength,
      treeBuilt: fields.treeBuilt,
      seconds: Number(process.hrtime.bigint() - started) / 1e9,
    });

    const source = local.source;
    const sameTree = local.exists && source.size === meta.leafCount && local.bytes === meta.dataLength && Buffer.compare(source.root, remoteRoot) === 0;
    if (sameTree) {
      return report({ changed: false, nodesFetched: 0, nodesCompared: 1, ranges: [], blockBytes: 0, blocks: 0, treeBuilt: local.built });
    }

    // Walk the peer's tree to the leaves that must be fetched.
    const shape: DiffShape = { sizeA: source.size, sizeB: meta.leafCount, lone: profile.lone, rootFlagged: profile.rootFlagged };
    const ctx: WalkContext = { remoteSize: meta.leafCount, local: source, hasher, shape, digestSize: meta.digestSize };
    const walked = await walkToLeaves(peer, meta, remoteRoot, ctx, levelsPerTrip, limits, options.signal);
    if (meta.leafCount === 0 && Buffer.compare(hasher.emptyRoot(), remoteRoot) !== 0) {
      throw new SyncVerifyError(`the peer claims empty data but its root ${meta.root} is not the empty tree's`);
    }

    // Fetch the blocks, verify each, write them into the copy.
    await PatchedCopy.removeStaleCopies(localPath);
    copy = await PatchedCopy.create(localPath, local.exists);
    await requireUnchanged(localPath, local.identity);
    const ranges = mergeIndexes(walked.leaves.indexes);
    let fetchedBytes = 0;
    const leafAt = new Map(walked.leaves.indexes.map((index, position) => [index, position]));
    for (const batch of blockBatches(ranges, meta, limits)) {
      options.signal?.throwIfAborted();
      const lengths = batch.map((r) => blockBytes(r, meta.blockSize, meta.dataLength));
      const total = lengths.reduce((sum, n) => sum + n, 0);
      const bytes = await peer.post(PATH_BLOCKS, { root: meta.root, ranges: batch }, { exact: total });
      let at = 0;
      for (const [k, range] of batch.entries()) {
        const data = bytes.subarray(at, at + lengths[k]!);
        verifyBlocks(data, range, meta, remoteRoot, walked.leaves, leafAt, hasher);
        await copy.write(data, range.begin * meta.blockSize);
        at += lengths[k]!;
      }
      fetchedBytes += total;
    }
    await copy.commit(meta.dataLength, async (tempPath) => {
      await requireUnchanged(localPath, local!.identity);
      await options._beforeRename?.(tempPath);
    });
    copy = undefined;

    let treeBuilt = local.built;
    if (options.tree) {
      await local.close();
      local = undefined;
      const rebuilt = await buildTree(localPath, { ...buildOptions(meta, options), out: options.tree });
      treeBuilt = true;
      if (Buffer.compare(rebuilt.root, remoteRoot) !== 0) {
        throw new SyncVerifyError(`after the sync the local tree's root is ${rebuilt.rootHex}, the peer's is ${meta.root}`);
      }
    }
    return report({ changed: true, nodesFetched: walked.nodesFetched, nodesCompared: walked.nodesCompared, ranges, blockBytes: fetchedBytes, blocks: walked.leaves.indexes.length, treeBuilt });
  } finally {
    await copy?.discard();
    await local?.close();
    peer.close();
  }
}

/** Rounds of the walk, each one request (two or more only past the request limits). */
async function walkToLeaves(
  peer: Peer,
  meta: TreeMeta,
  root: Uint8Array,
  ctx: WalkContext,
  levelsPerTrip: number,
  limits: SyncLimits,
  signal: AbortSignal | undefined,
): Promise<{ leaves: LevelNodes; nodesFetched: number; nodesCompared: number }> {
  const d = meta.digestSize;
  if (meta.leafCount === 0) return { leaves: { level: 0, indexes: [], hashes: new Uint8Array(0) }, nodesFetched: 0, nodesCompared: 0 };
  let open: LevelNodes = { level: levelCount(meta.leafCount) - 1, indexes: [0], hashes: root };
  let nodesFetched = 0;
  let nodesCompared = 1;
  let first = true;
  while (open.level > 0 && open.indexes.length > 0) {
    signal?.throwIfAborted();
    const depth = Math.min(levelsPerTrip, open.level);
    const ranges = descendantRanges(open, depth, meta.leafCount);
    const count = ranges.reduce((sum, r) => sum + r.end - r.begin, 0);
    let fetched: Uint8Array;
    if (first) {
      // The first round's nodes came with the metadata: every node of the top levels.
      fetched = Buffer.concat(meta.top.map((level) => Buffer.from(level.nodes, 'base64')));
    } else {
      const parts: Uint8Array[] = [];
      for (const batch of nodeBatches(ranges, limits)) {
        const nodes = batch.reduce((sum, r) => sum + r.end - r.begin, 0);
        parts.push(await peer.post(PATH_NODES, { root: meta.root, ranges: batch }, { exact: nodes * d }));
      }
      fetched = parts.length === 1 ? parts[0]! : Buffer.concat(parts);
    }
    if (fetched.length !== count * d) throw new SyncVerifyError(`round at level ${open.level} received ${fetched.length} bytes of nodes, want ${count * d}`);
    first = false;
    nodesFetched += count;
    const result = await descend(open, depth, fetched, ctx);
    nodesCompared += result.compared;
    open = result.open;
  }
  return { leaves: open, nodesFetched, nodesCompared };
}

/** verifyBlocks checks fetched blocks [range) against their verified leaf hashes (or the root of a one-leaf tree). */
function verifyBlocks(
  data: Uint8Array,
  range: IndexRange,
  meta: TreeMeta,
  root: Uint8Array,
  leaves: LevelNodes,
  leafAt: Map<number, number>,
  hasher: TreeHasher,
): void {
  const d = meta.digestSize;
  const computed = new Uint8Array((range.end - range.begin) * d);
  hasher.leavesFromBlocks(data, meta.blockSize, range.begin, computed);
  if (meta.leafCount === 1) {
    const single = hasher.rootOfSingleLeaf?.(data) ?? computed;
    if (Buffer.compare(single, root) !== 0) throw new SyncVerifyError(`block 0 does not hash to the peer's root ${meta.root}`);
    return;
  }
  for (let index = range.begin; index < range.end; index++) {
    const position = leafAt.get(index)!;
    const expected = leaves.hashes.subarray(position * d, (position + 1) * d);
    const actual = computed.subarray((index - range.begin) * d, (index - range.begin + 1) * d);
    if (Buffer.compare(actual, expected) !== 0) throw new SyncVerifyError(`block ${index} does not hash to its verified leaf hash`);
  }
}
