/**
 * Hashing one segment: its leaves and levels 0..topLevel, all into one buffer (level 0 first).
 * Runs in pool workers. The leaves may be hashed piecewise (`leaves` is handed the level-0
 * buffer), so a worker can read and hash a file segment in cache-sized pieces.
 */
import { loadTreeHasher, type LoadedTreeHasher } from '../hash/load.js';
import { nextLevel } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles, type LoneNodeRule } from '../tree/profile.js';
import { segmentLevelWidths } from '../tree/segments.js';
import type { SegmentTask } from './segment-task.js';

const hashers = new Map<string, Promise<LoadedTreeHasher>>();

/** taskHasher returns this thread's hasher for a task's profile, hash and backend, loaded once. */
export async function taskHasher(task: Pick<SegmentTask, 'profile' | 'hash' | 'backend'>): Promise<TreeHasher> {
  const key = `${task.profile}/${task.hash}/${task.backend}`;
  let loaded = hashers.get(key);
  if (!loaded) {
    loaded = loadTreeHasher(kProfiles[task.profile], task.hash, task.backend);
    hashers.set(key, loaded);
  }
  return (await loaded).hasher;
}

/** This thread's buffer for the levels of segments whose lower levels are not kept. */
let scratch = new Uint8Array(0);

/**
 * hashSegmentWith makes the levels 0..topLevel of a segment of `leafCount` leaves: `leaves`
 * fills level 0 (leafCount digests), then the levels above are built by the profile's rule.
 * The segment must not be the whole tree's top (the root is made by the caller). `topOnly`:
 * return level topLevel alone, the lower levels built in a buffer this thread reuses.
 */
export function hashSegmentWith(
  leafCount: number,
  topLevel: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
  leaves: (level0: Uint8Array) => void,
  topOnly = false,
): Uint8Array {
  const d = hasher.digestSize;
  const widths = segmentLevelWidths(leafCount, topLevel);
  const bytes = widths.reduce((sum, w) => sum + w, 0) * d;
  if (topOnly && scratch.length < bytes) scratch = new Uint8Array(bytes);
  const out = topOnly ? scratch.subarray(0, bytes) : new Uint8Array(bytes);
  let offset = 0;
  let level = out.subarray(0, widths[0]! * d);
  leaves(level);
  for (let l = 1; l <= topLevel; l++) {
    offset += widths[l - 1]! * d;
    const width = widths[l - 1]!;
    // A lone node above the segment's own top rises by the profile's rule, like any lone node.
    const next = width === 1 ? (lone === 'carry' ? level.slice() : hasher.parent(level, level)) : nextLevel(level, width, hasher, lone, false);
    out.set(next, offset);
    level = out.subarray(offset, offset + widths[l]! * d);
  }
  return topOnly ? level.slice() : out;
}

/**
 * hashSegment hashes `data` (the segment's bytes, cut into `blockSize` blocks, the last may be
 * short) whose first block is leaf `firstLeaf` of the tree, and returns levels 0..topLevel.
 */
export function hashSegment(
  data: Uint8Array,
  blockSize: number,
  firstLeaf: number,
  topLevel: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
): Uint8Array {
  const leafCount = Math.ceil(data.length / blockSize);
  return hashSegmentWith(leafCount, topLevel, hasher, lone, (level0) => hasher.leavesFromBlocks(data, blockSize, firstLeaf, level0));
}
