/**
 * Appending leaves to a tree without rehashing it: which nodes of the old tree stay, and the
 * new nodes above them, in O(new leaves + log n) node hashes.
 *
 * A node (l, i) of the old tree is still a node of the new one exactly when it covers a full
 * 2^l leaves that did not change: i < floor(kept / 2^l), where `kept` is the number of old
 * leaves kept as they were (all of them, or all but a short last block that the new data
 * completes). Everything to the right of those is recomputed from its children.
 */
import type { TreeHasher } from './hasher.js';
import { levelCount, levelSize } from './levels.js';
import type { LoneNodeRule } from './profile.js';
import { nextLevel } from './build.js';

/** The recomputed right-hand part of each level of the new tree: nodes [begin, levelSize). */
export interface LevelTail {
  readonly level: number;
  readonly begin: number;
  readonly nodes: Uint8Array;
}

/** keptNodes is how many leading nodes of `level` survive from a tree whose first `kept` leaves are unchanged. */
export function keptNodes(kept: number, level: number): number {
  return Math.floor(kept / 2 ** level);
}

/**
 * appendTails computes the tails of every level of a tree of `newSize` leaves whose first
 * `kept` leaves are those of an old tree. `leafTail` holds the leaf hashes of leaves
 * [kept, newSize). `oldNode(level, index)` returns a surviving old node; it is asked for at
 * most one node per level (a left sibling of the first recomputed parent).
 * Requires 0 <= kept < newSize.
 */
export async function appendTails(
  kept: number,
  newSize: number,
  leafTail: Uint8Array,
  hasher: TreeHasher,
  lone: LoneNodeRule,
  oldNode: (level: number, index: number) => Promise<Uint8Array>,
): Promise<LevelTail[]> {
  const d = hasher.digestSize;
  const tails: LevelTail[] = [{ level: 0, begin: kept, nodes: leafTail }];
  const top = levelCount(newSize) - 1;
  for (let level = 1; level <= top; level++) {
    const below = tails[level - 1]!;
    const begin = keptNodes(kept, level);
    const childBegin = 2 * begin;
    // The children of the first recomputed parent start at 2·begin; if that is left of the
    // tail below, it is a kept old node.
    let children = below.nodes;
    if (childBegin < below.begin) {
      children = new Uint8Array(below.nodes.length + d);
      children.set(await oldNode(level - 1, childBegin), 0);
      children.set(below.nodes, d);
    }
    const width = levelSize(newSize, level - 1) - childBegin;
    tails.push({ level, begin, nodes: nextLevel(children, width, hasher, lone, level === top) });
  }
  return tails;
}
