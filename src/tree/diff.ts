/**
 * The diff plan: which nodes of two trees to compare, top-down, descending only into subtrees
 * whose hashes differ. Pure: it never reads or hashes. It is a generator that yields, one level
 * at a time, the node ranges it needs and is fed their hashes, so a caller reading tree files
 * does a handful of positioned reads per level rather than one per node.
 *
 * When are node (l, i) of tree A (size nA) and node (l, i) of tree B (size nB) comparable,
 * i.e. equal exactly when the leaves under them are equal?
 * - Leaves (l = 0) always are, for i < min(nA, nB): same index, same block.
 * - Equal sizes: every node is, since both trees have the same shape.
 * - Different sizes: a node covering a *full* aligned run of 2^l leaves inside the common prefix
 *   [0, m), m = min(nA, nB), is a function of those leaves alone, in both lone-node rules. A
 *   node that reaches the end of either tree is not: under 'carry' it covers fewer leaves than
 *   2^l and its shape follows the size; under 'duplicate' the lone node is paired with itself.
 *   Trees that flag the root (BLAKE3's ROOT flag) also give the top node of each tree a
 *   different hash than the same subtree inside a larger tree, so a top node is skipped too.
 * Non-comparable nodes over the common prefix (the right spine, O(log n) of them) are
 * descended without a compare; nodes entirely past m are the added or removed tail.
 */
import { levelCount } from './levels.js';
import type { LoneNodeRule } from './profile.js';

/** A half-open range [begin, end) of leaves or of node indexes. */
export interface IndexRange {
  readonly begin: number;
  readonly end: number;
}

/** What the plan needs to know of the two trees. */
export interface DiffShape {
  /** Leaf count of tree A. */
  readonly sizeA: number;
  /** Leaf count of tree B. */
  readonly sizeB: number;
  readonly lone: LoneNodeRule;
  /** The top node is hashed differently from an inner node over the same leaves (b3tree). */
  readonly rootFlagged: boolean;
}

/** LevelRequest asks for the hashes of nodes `ranges` (sorted, disjoint) at `level` of both trees. */
export interface LevelRequest {
  readonly level: number;
  readonly ranges: readonly IndexRange[];
}

/**
 * LevelAnswer holds the requested hashes of each tree, back to back in request order:
 * (sum of range lengths) × digestSize bytes each.
 */
export interface LevelAnswer {
  readonly a: Uint8Array;
  readonly b: Uint8Array;
}

export interface DiffPlanResult {
  /** Leaf ranges of the common prefix whose leaves differ: sorted, disjoint, adjacent ones merged. */
  readonly ranges: IndexRange[];
  /** Leaves only B has, [sizeA, sizeB), when B is longer. */
  readonly added?: IndexRange;
  /** Leaves only A has, [sizeB, sizeA), when A is longer. */
  readonly removed?: IndexRange;
  /** Node pairs compared. */
  readonly nodesCompared: number;
}

/**
 * comparableNodes says whether node (level, index) hashes the same leaves the same way in both
 * trees (see the module comment). Requires the node to start inside the common prefix.
 */
export function comparableNodes(level: number, index: number, shape: DiffShape): boolean {
  const { sizeA, sizeB } = shape;
  if (sizeA === sizeB || level === 0) return true;
  const common = Math.min(sizeA, sizeB);
  if ((index + 1) * 2 ** level > common) return false;
  if (shape.rootFlagged && (level === levelCount(sizeA) - 1 || level === levelCount(sizeB) - 1)) return false;
  return true;
}

/** mergeIndexes turns sorted distinct indexes into runs [begin, end). */
export function mergeIndexes(indexes: readonly number[]): IndexRange[] {
  const runs: IndexRange[] = [];
  let begin = -1;
  let end = -1;
  for (const index of indexes) {
    if (index === end) {
      end++;
      continue;
    }
    if (begin >= 0) runs.push({ begin, end });
    begin = index;
    end = index + 1;
  }
  if (begin >= 0) runs.push({ begin, end });
  return runs;
}

function equalDigests(a: Uint8Array, b: Uint8Array, at: number, digestSize: number): boolean {
  for (let k = at; k < at + digestSize; k++) if (a[k] !== b[k]) return false;
  return true;
}

/**
 * diffPlan walks two trees of `shape` top-down. Each yield is a LevelRequest (levels strictly
 * decreasing, at most one per level); answer it with that level's hashes from both trees.
 * Returns the differing leaf ranges and the tail. Requires digestSize > 0.
 */
export function* diffPlan(shape: DiffShape, digestSize: number): Generator<LevelRequest, DiffPlanResult, LevelAnswer> {
  const { sizeA, sizeB } = shape;
  const common = Math.min(sizeA, sizeB);
  const differing: number[] = [];
  let nodesCompared = 0;
  let pending: number[] = common > 0 ? [0] : [];
  for (let level = Math.max(levelCount(sizeA), levelCount(sizeB)) - 1; level >= 0 && pending.length > 0; level--) {
    const width = 2 ** level;
    // Nodes starting at or past the common prefix are tail: never compared, never descended.
    const live = pending.filter((index) => index * width < common);
    const compared = live.filter((index) => comparableNodes(level, index, shape));
    const mismatching = new Set<number>();
    if (compared.length > 0) {
      const answer: LevelAnswer = yield { level, ranges: mergeIndexes(compared) };
      const bytes = compared.length * digestSize;
      if (answer.a.length !== bytes || answer.b.length !== bytes) {
        throw new RangeError(`level ${level} answer holds ${answer.a.length} and ${answer.b.length} bytes, want ${bytes} each`);
      }
      nodesCompared += compared.length;
      compared.forEach((index, k) => {
        if (!equalDigests(answer.a, answer.b, k * digestSize, digestSize)) mismatching.add(index);
      });
    }
    const next: number[] = [];
    for (const index of live) {
      const descend = mismatching.has(index) || !comparableNodes(level, index, shape);
      if (!descend) continue;
      if (level === 0) differing.push(index);
      else next.push(2 * index, 2 * index + 1);
    }
    pending = next;
  }
  return {
    ranges: mergeIndexes(differing),
    ...(sizeB > sizeA ? { added: { begin: sizeA, end: sizeB } } : {}),
    ...(sizeA > sizeB ? { removed: { begin: sizeB, end: sizeA } } : {}),
    nodesCompared,
  };
}
