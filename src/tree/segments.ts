/**
 * Segments: runs of 2^k consecutive leaves, aligned at multiples of 2^k. In every profile a
 * segment is a subtree of the whole tree — its nodes at levels 0..k are exactly the tree's
 * nodes over its leaves — so segments can be hashed independently and their roots (the tree's
 * level-k nodes) combined above. Pure integer math.
 */
import { levelCount } from './levels.js';

export interface Segment {
  /** Segment number: it covers leaves [index·2^k, min((index+1)·2^k, size)). */
  readonly index: number;
  readonly firstLeaf: number;
  readonly leafCount: number;
}

export interface SegmentPlan {
  /** log2 of the leaves per segment. */
  readonly segmentLevel: number;
  readonly segmentLeaves: number;
  readonly segmentCount: number;
  /**
   * The highest level a segment produces: segmentLevel, or the tree's top when the whole tree
   * is smaller than one segment.
   */
  readonly topLevel: number;
}

/** planSegments splits a tree of `size` leaves into segments of 2^segmentLevel leaves. Requires size >= 1. */
export function planSegments(size: number, segmentLevel: number): SegmentPlan {
  const segmentLeaves = 2 ** segmentLevel;
  return {
    segmentLevel,
    segmentLeaves,
    segmentCount: Math.ceil(size / segmentLeaves),
    topLevel: Math.min(segmentLevel, levelCount(size) - 1),
  };
}

/** segmentAt returns segment `index` of the plan for a tree of `size` leaves. */
export function segmentAt(plan: SegmentPlan, size: number, index: number): Segment {
  const firstLeaf = index * plan.segmentLeaves;
  return { index, firstLeaf, leafCount: Math.min(plan.segmentLeaves, size - firstLeaf) };
}

/**
 * segmentLevelWidths lists how many nodes a segment of `leafCount` leaves has at levels
 * 0..topLevel. Above its own top, a short last segment still has one node per level: the
 * lone node rising (carried, or paired with itself).
 */
export function segmentLevelWidths(leafCount: number, topLevel: number): number[] {
  const widths: number[] = [];
  for (let level = 0; level <= topLevel; level++) widths.push(Math.ceil(leafCount / 2 ** level));
  return widths;
}

/** segmentLevelForBytes picks k so a segment holds about `targetBytes` of data (at least one block). */
export function segmentLevelForBytes(blockSize: number, targetBytes: number): number {
  let level = 0;
  while (2 ** (level + 1) * blockSize <= targetBytes) level++;
  return level;
}
