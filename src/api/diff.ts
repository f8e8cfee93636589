/**
 * diffTrees: the leaf ranges where two trees differ, read from memory or tree files. The walk is
 * src/tree/diff.ts; this module checks the trees are comparable and answers the plan's level
 * requests with one positioned read per run of nodes.
 */
import { IncompatibleTreesError } from '../errors.js';
import type { NodeSource } from './proofs.js';
import type { TreeFileReader } from '../store/reader.js';
import type { TreeLevels } from '../tree/build.js';
import { diffPlan, type DiffPlanResult, type IndexRange, type LevelAnswer } from '../tree/diff.js';
import { kHashInfo } from '../hash/types.js';
import { kProfiles } from '../tree/profile.js';


export interface DiffResult {
  /** Same leaf count and no differing leaf. */
  readonly equal: boolean;
  readonly sizeA: number;
  readonly sizeB: number;
  /** Leaf ranges [begin, end) of the common prefix whose leaves differ, sorted and merged. */
  readonly ranges: IndexRange[];
  /** Leaves [sizeA, sizeB) that only B has. */
  readonly added?: IndexRange;
  /** Leaves [sizeB, sizeA) that only A has. */
  readonly removed?: IndexRange;
  /** Node pairs whose hashes were compared. */
  readonly nodesCompared: number;
}

/** Optional fields that let nodes be read in bulk: an OpenTree's reader, a BuiltTree's levels. */
interface Described {
  readonly reader?: TreeFileReader;
  readonly levels?: TreeLevels;
}

/** assertComparable throws IncompatibleTreesError naming the first field in which `a` and `b` differ. */
export function assertComparable(a: NodeSource, b: NodeSource, names: readonly [string, string] = ['A', 'B']): void {
  const fields: [string, unknown, unknown][] = [
    ['profile', a.profile, b.profile],
    ['hash', a.hash, b.hash],
    ['leaf mode', a.leafMode, b.leafMode],
    ['block size', a.blockSize, b.blockSize],
  ];
  for (const [field, x, y] of fields) {
    if (x !== undefined && y !== undefined && x !== y) {
      throw new IncompatibleTreesError(`trees differ in ${field}: ${names[0]} has ${String(x)}, ${names[1]} has ${String(y)}; only trees built the same way can be compared`);
    }
  }
  if ((a.blockSize === undefined) !== (b.blockSize === undefined)) {
    throw new IncompatibleTreesError(`trees differ in leaf mode: only one of ${names[0]} and ${names[1]} has block leaves`);
  }
}

/**
 * readNodes returns nodes [begin, end) of `level` back to back: one positioned read for a tree
 * file, a view for a tree with levels in memory, else node by node.
 */
export async function readNodes(source: NodeSource, level: number, begin: number, end: number, digestSize: number): Promise<Uint8Array> {
  const described = source as NodeSource & Described;
  if (described.reader) return described.reader.getNodes(level, begin, end);
  const inMemory = described.levels?.levels[level];
  if (inMemory && end * digestSize <= inMemory.length) return inMemory.subarray(begin * digestSize, end * digestSize);
  const out = new Uint8Array((end - begin) * digestSize);
  for (let index = begin; index < end; index++) out.set(await source.getNode(level, index), (index - begin) * digestSize);
  return out;
}

async function readRanges(source: NodeSource, level: number, ranges: readonly IndexRange[], digestSize: number): Promise<Uint8Array> {
  const parts = await Promise.all(ranges.map((r) => readNodes(source, level, r.begin, r.end, digestSize)));
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((sum, p) => sum + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

/**
 * diffTrees compares tree `a` with tree `b` (in memory with levels, or OpenTree) and resolves to
 * the leaf ranges that differ, the added or removed tail, and the number of node compares:
 * O(k log n) for k differing leaves. Rejects with IncompatibleTreesError for trees of a
 * different profile, hash, leaf mode or block size.
 */
export async function diffTrees(a: NodeSource, b: NodeSource): Promise<DiffResult> {
  assertComparable(a, b);
  const digestSize = kHashInfo[a.hash].digestSize;
  const plan = diffPlan({ sizeA: a.size, sizeB: b.size, lone: kProfiles[a.profile].lone, rootFlagged: kProfiles[a.profile].rootFlagged }, digestSize);
  let step = plan.next();
  while (!step.done) {
    const { level, ranges } = step.value;
    const [hashesA, hashesB] = await Promise.all([readRanges(a, level, ranges, digestSize), readRanges(b, level, ranges, digestSize)]);
    const answer: LevelAnswer = { a: hashesA, b: hashesB };
    step = plan.next(answer);
  }
  const result: DiffPlanResult = step.value;
  return {
    equal: a.size === b.size && result.ranges.length === 0,
    sizeA: a.size,
    sizeB: b.size,
    ...result,
  };
}
