/**
 * Level-array arithmetic: sizes of levels and which leaves a node covers. Pure integers.
 *
 *   level 2            [0,4)                 ceil(n/4) nodes
 *   level 1      [0,2)       [2,4)     [4,5)  ceil(n/2) nodes   (n = 5)
 *   level 0    0     1     2     3     4      n leaves
 *
 * All counts are JS numbers: exact up to 2^53, far beyond any leaf count we can hold.
 */

/** levelCount is the number of levels of a tree of `size` leaves: 0 for an empty tree, else ceil(log2 size) + 1. */
export function levelCount(size: number): number {
  if (size === 0) return 0;
  let levels = 1;
  for (let width = size; width > 1; width = Math.ceil(width / 2)) levels++;
  return levels;
}

/** levelSize is the number of nodes at `level` of a tree of `size` leaves: ceil(size / 2^level). */
export function levelSize(size: number, level: number): number {
  return Math.ceil(size / 2 ** level);
}

/** levelSizes lists levelSize(size, l) for every level, leaves first. */
export function levelSizes(size: number): number[] {
  const sizes: number[] = [];
  for (let level = 0; level < levelCount(size); level++) sizes.push(levelSize(size, level));
  return sizes;
}

/** NodeId names node `index` at `level` (level 0 = leaves). */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/**
 * nodeOfRange returns the node that covers exactly [begin, end) in a tree of `size` leaves
 * with lone nodes carried up. Requires such a node to exist: begin a multiple of 2^level
 * and end = min(begin + 2^level, size) for level = ceil(log2(end - begin)).
 */
export function nodeOfRange(begin: number, end: number, size: number): NodeId {
  let level = 0;
  while (2 ** level < end - begin) level++;
  const width = 2 ** level;
  if (begin % width !== 0 || Math.min(begin + width, size) !== end) {
    throw new RangeError(`[${begin}, ${end}) is not a node of a tree of size ${size}`);
  }
  return { level, index: begin / width };
}

/** largestPowerOfTwoBelow returns the largest power of two k with k < n. Requires n >= 2. */
export function largestPowerOfTwoBelow(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
