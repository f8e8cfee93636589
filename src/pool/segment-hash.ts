/**
 * hashSegment: the leaves and levels 0..topLevel of one segment, all into one buffer
 * (level 0 first). The same code runs in pool workers and, for small inputs, in-thread.
 */
import { nextLevel } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule } from '../tree/profile.js';
import { segmentLevelWidths } from '../tree/segments.js';

/**
 * hashSegment hashes `data` (the segment's bytes, cut into `blockSize` blocks, the last may be
 * short) whose first block is leaf `firstLeaf` of the tree, and returns levels 0..topLevel
 * back to back. The segment must not be the whole tree's top (the root is made by the caller).
 */
export function hashSegment(
  data: Uint8Array,
  blockSize: number,
  firstLeaf: number,
  topLevel: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
): Uint8Array {
  const d = hasher.digestSize;
  const leafCount = Math.ceil(data.length / blockSize);
  const widths = segmentLevelWidths(leafCount, topLevel);
  const out = new Uint8Array(widths.reduce((sum, w) => sum + w, 0) * d);
  let offset = 0;
  let level = out.subarray(0, widths[0]! * d);
  hasher.leavesFromBlocks(data, blockSize, firstLeaf, level);
  for (let l = 1; l <= topLevel; l++) {
    offset += widths[l - 1]! * d;
    const width = widths[l - 1]!;
    // A lone node above the segment's own top rises by the profile's rule, like any lone node.
    const next = width === 1 ? (lone === 'carry' ? level.slice() : hasher.parent(level, level)) : nextLevel(level, width, hasher, lone, false);
    out.set(next, offset);
    level = out.subarray(offset, offset + widths[l]! * d);
  }
  return out;
}
