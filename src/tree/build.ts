/**
 * Building the levels above a level of leaf hashes, under a profile's lone-node rule.
 * Each level is one flat Uint8Array of `digestSize`-byte nodes, hashed with one batched
 * `parents` call (plus at most one extra call for a duplicated lone node).
 */
import type { TreeHasher } from './hasher.js';
import type { LoneNodeRule } from './profile.js';
import { levelSize } from './levels.js';

/** Levels of a whole tree: levels[0] holds the leaf hashes, the last level one node. */
export interface TreeLevels {
  readonly size: number;
  readonly digestSize: number;
  readonly levels: readonly Uint8Array[];
  readonly root: Uint8Array;
  /**
   * True when some level ends in two equal nodes at an even count under the `duplicate` rule:
   * the same root then belongs to a tree with one node fewer there (CVE-2012-2459).
   */
  readonly ambiguous: boolean;
}

/**
 * nextLevel computes level l+1 from level l (`width` nodes, width >= 2).
 * `isTop` selects the hasher's root function for the final merge.
 */
export function nextLevel(
  level: Uint8Array,
  width: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
  isTop: boolean,
): Uint8Array {
  const d = hasher.digestSize;
  const parentWidth = Math.ceil(width / 2);
  const out = new Uint8Array(parentWidth * d);
  const pairs = Math.floor(width / 2);
  if (isTop && pairs === 1) {
    // The top merge of a two-node level: use rootParent (BLAKE3 sets ROOT here).
    out.set(hasher.rootParent(level.subarray(0, d), level.subarray(d, 2 * d)));
  } else {
    hasher.parents(level, pairs, out);
  }
  if (width % 2 === 1) {
    const last = level.subarray((width - 1) * d, width * d);
    out.set(lone === 'carry' ? last : hasher.parent(last, last), pairs * d);
  }
  return out;
}

/** endsInDuplicatePair reports whether a level of even width > 1 ends in two equal nodes. */
export function endsInDuplicatePair(level: Uint8Array, width: number, digestSize: number): boolean {
  if (width < 2 || width % 2 === 1) return false;
  const d = digestSize;
  const a = level.subarray((width - 2) * d, (width - 1) * d);
  const b = level.subarray((width - 1) * d, width * d);
  return Buffer.compare(a, b) === 0;
}

/**
 * buildLevels computes every level above `leaves` (`size` leaf hashes) and the root.
 * For size 0 the root is hasher.emptyRoot(); for size 1 it is the leaf hash, unless
 * `singleLeafRoot` is given (BLAKE3's root of a lone chunk group).
 */
export function buildLevels(
  leaves: Uint8Array,
  size: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
  singleLeafRoot?: Uint8Array,
): TreeLevels {
  const d = hasher.digestSize;
  if (size === 0) {
    return { size, digestSize: d, levels: [], root: hasher.emptyRoot(), ambiguous: false };
  }
  const levels: Uint8Array[] = [leaves.subarray(0, size * d)];
  let ambiguous = false;
  for (let level = 0, width = size; width > 1; level++, width = levelSize(size, level)) {
    const current = levels[level]!;
    if (lone === 'duplicate') ambiguous ||= endsInDuplicatePair(current, width, d);
    levels.push(nextLevel(current, width, hasher, lone, width === 2));
  }
  const top = levels[levels.length - 1]!;
  const root = size === 1 && singleLeafRoot ? singleLeafRoot : top.slice(0, d);
  return { size, digestSize: d, levels, root, ambiguous };
}
