/**
 * The client's walk down the remote tree. Each round starts from "open" nodes at one level:
 * remote nodes already verified whose subtrees must be looked into. It takes every node of the
 * next few levels under them (one request), verifies those nodes top-down against the open
 * nodes (each child pair must hash to its verified parent, so every node trusted is linked to
 * the remote root), then keeps open only the nodes that differ from the local tree, cannot be
 * compared with it (see src/tree/diff.ts), or lie past the local end. At level 0 the open
 * nodes are the blocks to fetch, with their verified leaf hashes.
 */
import type { NodeSource } from '../api/proofs.js';
import type { TreeHasher } from '../tree/hasher.js';
import { comparableNodes, mergeIndexes, type DiffShape, type IndexRange } from '../tree/diff.js';
import { levelCount, levelSize } from '../tree/levels.js';
import { SyncVerifyError } from '../errors.js';
import type { NodeRange } from './protocol.js';
import { readNodes } from '../api/diff.js';

/** Verified nodes of one level: sorted indexes and their hashes, back to back. */
export interface LevelNodes {
  readonly level: number;
  readonly indexes: number[];
  readonly hashes: Uint8Array;
}

export interface WalkContext {
  readonly remoteSize: number;
  readonly local: NodeSource;
  readonly hasher: TreeHasher;
  readonly shape: DiffShape;
  readonly digestSize: number;
}

/** descendantRanges lists, for levels level-1 .. level-depth, the nodes under `open` (at `level`). */
export function descendantRanges(open: LevelNodes, depth: number, remoteSize: number): NodeRange[] {
  const ranges: NodeRange[] = [];
  for (let j = 1; j <= depth; j++) {
    const level = open.level - j;
    const width = levelSize(remoteSize, level);
    const runs: IndexRange[] = [];
    for (const index of open.indexes) {
      const begin = index * 2 ** j;
      const end = Math.min((index + 1) * 2 ** j, width);
      const last = runs[runs.length - 1];
      if (last && last.end === begin) runs[runs.length - 1] = { begin: last.begin, end };
      else runs.push({ begin, end });
    }
    for (const run of runs) ranges.push({ level, ...run });
  }
  return ranges;
}

function hashAt(nodes: LevelNodes, position: number, d: number): Uint8Array {
  return nodes.hashes.subarray(position * d, (position + 1) * d);
}

/** positionsOf maps index -> position in a LevelNodes. */
function positionsOf(nodes: LevelNodes): Map<number, number> {
  return new Map(nodes.indexes.map((index, position) => [index, position]));
}

/**
 * verifyChildren checks that `children` (every child of every parent, none else) hash to
 * `parents`, batching the pair hashes of the level into one call.
 */
export function verifyChildren(parents: LevelNodes, children: LevelNodes, ctx: WalkContext): void {
  const d = ctx.digestSize;
  const { hasher } = ctx;
  const lone = ctx.shape.lone;
  const childWidth = levelSize(ctx.remoteSize, children.level);
  const isTop = parents.level === levelCount(ctx.remoteSize) - 1;
  const at = positionsOf(children);
  const pairs = new Uint8Array(parents.indexes.length * 2 * d);
  const paired: number[] = [];
  const child = (index: number) => {
    const position = at.get(index);
    if (position === undefined) throw new SyncVerifyError(`node (${children.level}, ${index}) is missing from the answer`);
    return hashAt(children, position, d);
  };
  parents.indexes.forEach((parentIndex, p) => {
    const expected = hashAt(parents, p, d);
    const left = child(2 * parentIndex);
    if (2 * parentIndex + 1 >= childWidth) {
      // A lone child: carried up unchanged, or paired with itself.
      const actual = lone === 'carry' ? left : hasher.parent(left, left);
      if (Buffer.compare(actual, expected) !== 0) {
        throw new SyncVerifyError(`node (${children.level}, ${2 * parentIndex}) does not hash to its parent (${parents.level}, ${parentIndex})`);
      }
      return;
    }
    pairs.set(left, paired.length * 2 * d);
    pairs.set(child(2 * parentIndex + 1), paired.length * 2 * d + d);
    paired.push(p);
  });
  if (paired.length === 0) return;
  const computed = isTop
    ? hasher.rootParent(pairs.subarray(0, d), pairs.subarray(d, 2 * d))
    : (() => {
        const out = new Uint8Array(paired.length * d);
        hasher.parents(pairs, paired.length, out);
        return out;
      })();
  paired.forEach((p, k) => {
    if (Buffer.compare(computed.subarray(k * d, (k + 1) * d), hashAt(parents, p, d)) !== 0) {
      const index = parents.indexes[p]!;
      throw new SyncVerifyError(`nodes (${children.level}, ${2 * index}) and (${children.level}, ${2 * index + 1}) do not hash to their parent (${parents.level}, ${index})`);
    }
  });
}

/** childrenOf returns the nodes of `level` under `parents` that exist in the remote tree. */
function childIndexes(parents: readonly number[], childWidth: number): number[] {
  const out: number[] = [];
  for (const index of parents) {
    out.push(2 * index);
    if (2 * index + 1 < childWidth) out.push(2 * index + 1);
  }
  return out;
}

/** subset picks the nodes `indexes` (a subset, sorted) out of `nodes`. */
function subset(nodes: LevelNodes, indexes: number[], d: number): LevelNodes {
  const at = positionsOf(nodes);
  const hashes = new Uint8Array(indexes.length * d);
  indexes.forEach((index, k) => hashes.set(hashAt(nodes, at.get(index)!, d), k * d));
  return { level: nodes.level, indexes, hashes };
}

/**
 * stillOpen keeps the nodes of `candidates` that need looking into: past the common prefix
 * (remote-only tail), not comparable with the local tree, or different from the local node.
 * Local nodes are read in runs.
 */
export async function stillOpen(candidates: LevelNodes, ctx: WalkContext): Promise<{ open: LevelNodes; compared: number }> {
  const d = ctx.digestSize;
  const { level } = candidates;
  const common = Math.min(ctx.shape.sizeA, ctx.shape.sizeB);
  const comparable = candidates.indexes.filter((index) => index * 2 ** level < common && comparableNodes(level, index, ctx.shape));
  const localHashes = new Map<number, Uint8Array>();
  for (const run of mergeIndexes(comparable)) {
    const nodes = await readNodes(ctx.local, level, run.begin, run.end, d);
    for (let index = run.begin; index < run.end; index++) localHashes.set(index, nodes.subarray((index - run.begin) * d, (index - run.begin + 1) * d));
  }
  const keep = candidates.indexes.filter((index, position) => {
    const local = localHashes.get(index);
    return local === undefined || Buffer.compare(local, hashAt(candidates, position, d)) !== 0;
  });
  return { open: subset(candidates, keep, d), compared: comparable.length };
}

/**
 * descend runs one round below `open`: given the fetched nodes of the `depth` levels under it
 * (in descendantRanges order, back to back), verifies them and returns the nodes still open at
 * level open.level - depth.
 */
export async function descend(open: LevelNodes, depth: number, fetched: Uint8Array, ctx: WalkContext): Promise<{ open: LevelNodes; compared: number }> {
  const d = ctx.digestSize;
  let offset = 0;
  let parents = open;
  let current = open;
  let compared = 0;
  for (let j = 1; j <= depth; j++) {
    const level = open.level - j;
    const width = levelSize(ctx.remoteSize, level);
    // Every node under the open set at this level, in the order descendantRanges asked for them.
    const all: number[] = [];
    for (const index of open.indexes) {
      for (let k = index * 2 ** j; k < Math.min((index + 1) * 2 ** j, width); k++) all.push(k);
    }
    const levelNodes: LevelNodes = { level, indexes: all, hashes: fetched.subarray(offset, offset + all.length * d) };
    offset += all.length * d;
    // Verify: each node of the parent level in the fetched set, against its children.
    verifyChildren(parents, levelNodes, ctx);
    // Keep open only the children of nodes still open that need looking into.
    const candidates = subset(levelNodes, childIndexes(current.indexes, width), d);
    const result = await stillOpen(candidates, ctx);
    compared += result.compared;
    current = result.open;
    parents = levelNodes;
  }
  if (offset !== fetched.length) throw new SyncVerifyError(`answer holds ${fetched.length} bytes of nodes, the walk used ${offset}`);
  return { open: current, compared };
}
