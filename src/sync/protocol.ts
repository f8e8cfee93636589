/**
 * The sync protocol, version 1: paths, message shapes, limits, and the validators both ends use.
 * docs/sync.md describes it for people.
 *
 *   GET  /v1/meta?depth=D   JSON TreeMeta, with every node of the D levels under the root
 *   POST /v1/nodes          JSON { root, ranges: [{ level, begin, end }] } -> node hashes, back to back
 *   POST /v1/blocks         JSON { root, ranges: [{ begin, end }] }        -> block bytes, back to back
 *
 * Every response carries the serving tree's root in `x-merkle-root`; a request naming another
 * root gets 409, so a client notices a peer whose data changed mid-sync.
 */
import { kHashInfo, kHashNames, type HashName } from '../hash/types.js';
import { levelCount, levelSize } from '../tree/levels.js';
import { kProfileNames, type ProfileName } from '../tree/profile.js';
import { SyncProtocolError } from '../errors.js';

export const PROTOCOL_VERSION = 1;
export const PATH_META = '/v1/meta';
export const PATH_NODES = '/v1/nodes';
export const PATH_BLOCKS = '/v1/blocks';
export const ROOT_HEADER = 'x-merkle-root';

/** Bounds on every request and response; both ends enforce them. */
export interface SyncLimits {
  /** Largest request body (JSON) in bytes. */
  readonly maxRequestBytes: number;
  /** Most ranges in one nodes or blocks request. */
  readonly maxRanges: number;
  /** Most node hashes in one nodes response. */
  readonly maxNodes: number;
  /** Most block bytes in one blocks response. */
  readonly maxBlockBytes: number;
  /** Most levels of nodes sent with the metadata. */
  readonly maxDepth: number;
  /** Largest metadata response in bytes. */
  readonly maxMetaBytes: number;
}

export const kDefaultSyncLimits: SyncLimits = {
  maxRequestBytes: 256 * 1024,
  maxRanges: 4096,
  maxNodes: 1 << 16,
  maxBlockBytes: 32 * 1024 * 1024,
  maxDepth: 8,
  maxMetaBytes: 1024 * 1024,
};

/** A node range at one level. */
export interface NodeRange {
  readonly level: number;
  readonly begin: number;
  readonly end: number;
}

/** A block (leaf) range. */
export interface BlockRange {
  readonly begin: number;
  readonly end: number;
}

/** Nodes sent with the metadata: one level, its nodes back to back in base64 (a third smaller than hex). */
export interface MetaLevel {
  readonly level: number;
  readonly nodes: string;
}

/** What GET /v1/meta answers. Hashes are hex in storage order (never byte-reversed). */
export interface TreeMeta {
  readonly protocol: number;
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly digestSize: number;
  readonly blockSize: number;
  readonly leafCount: number;
  readonly dataLength: number;
  readonly root: string;
  /** Every node of the levels just under the root, top first. */
  readonly top: MetaLevel[];
}

export interface NodesRequest {
  readonly root: string;
  readonly ranges: NodeRange[];
}

export interface BlocksRequest {
  readonly root: string;
  readonly ranges: BlockRange[];
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isCount = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
/** isBase64Of: canonical base64 of exactly `bytes` bytes. */
const isBase64Of = (value: unknown, bytes: number): value is string =>
  typeof value === 'string' && value.length === 4 * Math.ceil(bytes / 3) && Buffer.from(value, 'base64').toString('base64') === value && Buffer.from(value, 'base64').length === bytes;
const isHex = (value: unknown, bytes: number): value is string => typeof value === 'string' && value.length === 2 * bytes && /^[0-9a-f]*$/.test(value);

/** blockBytes is the byte length of blocks [begin, end) of data of `dataLength` bytes. */
export function blockBytes(range: BlockRange, blockSize: number, dataLength: number): number {
  return Math.min(range.end * blockSize, dataLength) - range.begin * blockSize;
}

/** shown is a value of a peer's document as a message may quote it: JSON, never its own toString. */
function shown(value: unknown): string {
  return JSON.stringify(value)?.slice(0, 80) ?? typeof value;
}

/** parseTreeMeta validates a metadata document; throws SyncProtocolError naming the bad field. */
export function parseTreeMeta(value: unknown, depth: number): TreeMeta {
  const bad = (what: string) => new SyncProtocolError(`malformed metadata: ${what}`);
  if (!isObject(value)) throw bad('not a JSON object');
  if (value.protocol !== PROTOCOL_VERSION) throw bad(`protocol ${shown(value.protocol)}, want ${PROTOCOL_VERSION}`);
  if (!kProfileNames.includes(value.profile as ProfileName)) throw bad(`unknown profile ${shown(value.profile)}`);
  if (!kHashNames.includes(value.hash as HashName)) throw bad(`unknown hash ${shown(value.hash)}`);
  const hash = value.hash as HashName;
  const digestSize = kHashInfo[hash].digestSize;
  if (value.digestSize !== digestSize) throw bad(`digestSize ${shown(value.digestSize)}, want ${digestSize} for ${hash}`);
  const { blockSize, leafCount, dataLength } = value;
  if (!isCount(blockSize) || blockSize === 0) throw bad(`blockSize ${shown(blockSize)}`);
  if (!isCount(dataLength)) throw bad(`dataLength ${shown(dataLength)}`);
  if (!isCount(leafCount) || leafCount !== Math.ceil(dataLength / blockSize)) {
    throw bad(`leafCount ${shown(leafCount)} does not fit ${dataLength} bytes in ${blockSize}-byte blocks`);
  }
  if (!isHex(value.root, digestSize)) throw bad('root is not a hex digest');
  const levels = levelCount(leafCount);
  const wantTop = Math.min(depth, Math.max(levels - 1, 0));
  if (!Array.isArray(value.top) || value.top.length !== wantTop) throw bad(`top holds ${Array.isArray(value.top) ? value.top.length : 'no'} levels, want ${wantTop}`);
  const top: MetaLevel[] = value.top.map((entry: unknown, k: number) => {
    const level = levels - 2 - k;
    if (!isObject(entry) || entry.level !== level) throw bad(`top[${k}] is not level ${level}`);
    if (!isBase64Of(entry.nodes, levelSize(leafCount, level) * digestSize)) throw bad(`top[${k}] does not hold the ${levelSize(leafCount, level)} nodes of level ${level}`);
    return { level, nodes: entry.nodes };
  });
  return { protocol: PROTOCOL_VERSION, profile: value.profile as ProfileName, hash, digestSize, blockSize, leafCount, dataLength, root: value.root, top };
}

/** parseNodesRequest validates a nodes request against a tree of `leafCount` leaves. Throws RangeError naming the problem. */
export function parseNodesRequest(value: unknown, leafCount: number, digestSize: number, limits: SyncLimits): NodesRequest {
  if (!isObject(value) || !isHex(value.root, digestSize) || !Array.isArray(value.ranges)) {
    throw new RangeError('a nodes request is { root: hex digest, ranges: [{ level, begin, end }] }');
  }
  if (value.ranges.length > limits.maxRanges) throw new RangeError(`${value.ranges.length} ranges, at most ${limits.maxRanges}`);
  const levels = levelCount(leafCount);
  let nodes = 0;
  const ranges = value.ranges.map((range: unknown, k: number): NodeRange => {
    if (!isObject(range) || !isCount(range.level) || !isCount(range.begin) || !isCount(range.end)) {
      throw new RangeError(`ranges[${k}] must be { level, begin, end } with whole numbers`);
    }
    if (range.level >= levels) throw new RangeError(`ranges[${k}].level ${range.level}: the tree has ${levels} levels`);
    const width = levelSize(leafCount, range.level);
    if (range.begin >= range.end || range.end > width) throw new RangeError(`ranges[${k}] [${range.begin}, ${range.end}) is empty or past level ${range.level}'s ${width} nodes`);
    nodes += range.end - range.begin;
    return { level: range.level, begin: range.begin, end: range.end };
  });
  if (nodes > limits.maxNodes) throw new RangeError(`${nodes} nodes requested, at most ${limits.maxNodes}`);
  return { root: value.root, ranges };
}

/** parseBlocksRequest validates a blocks request against the served data. Throws RangeError naming the problem. */
export function parseBlocksRequest(value: unknown, meta: { leafCount: number; blockSize: number; dataLength: number; digestSize: number }, limits: SyncLimits): BlocksRequest {
  if (!isObject(value) || !isHex(value.root, meta.digestSize) || !Array.isArray(value.ranges)) {
    throw new RangeError('a blocks request is { root: hex digest, ranges: [{ begin, end }] }');
  }
  if (value.ranges.length > limits.maxRanges) throw new RangeError(`${value.ranges.length} ranges, at most ${limits.maxRanges}`);
  let bytes = 0;
  const ranges = value.ranges.map((range: unknown, k: number): BlockRange => {
    if (!isObject(range) || !isCount(range.begin) || !isCount(range.end)) throw new RangeError(`ranges[${k}] must be { begin, end } with whole numbers`);
    if (range.begin >= range.end || range.end > meta.leafCount) throw new RangeError(`ranges[${k}] [${range.begin}, ${range.end}) is empty or past ${meta.leafCount} blocks`);
    const r = { begin: range.begin, end: range.end };
    bytes += blockBytes(r, meta.blockSize, meta.dataLength);
    return r;
  });
  if (bytes > limits.maxBlockBytes) throw new RangeError(`${bytes} block bytes requested, at most ${limits.maxBlockBytes}`);
  return { root: value.root, ranges };
}
