/**
 * Combine: the checked results of every range, in order, into the single-machine tree. Each
 * segment's levels go to the sink at their final places and its root to the same
 * SegmentAssembler a local file build uses, which builds the levels above the segments with
 * the profile's rules (b3tree's ROOT flag on the top node only). So the root and every node
 * equal `merkle build`'s. Ranges are read in order, a few ahead, each as soon as its job is done
 * (readResult waits for it): memory holds a handful of results, whatever the tree's size.
 */
import type { LevelSink } from '../builders/level-sink.js';
import { SegmentAssembler } from '../builders/segment-assembly.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule } from '../tree/profile.js';
import { rangeSpan, type QueuedBuildSpec, type RangePlan } from './identity.js';
import { checkRangeResult } from './result.js';

/** Results fetched from Redis ahead of the one being combined. */
const kReadAhead = 16;

export interface WorkerTally {
  ranges: number;
  bytes: number;
}

export interface CombineInput {
  readonly build: string;
  readonly spec: QueuedBuildSpec;
  readonly plan: RangePlan;
  readonly hasher: TreeHasher;
  readonly lone: LoneNodeRule;
  readonly sink?: LevelSink;
  /** The stored result of range `range` (unchecked: anything Redis holds). */
  readonly readResult: (range: number) => Promise<unknown>;
}

export interface Combined {
  readonly root: Uint8Array;
  readonly ambiguous: boolean;
  /** Ranges and bytes per worker, by the name in each result. */
  readonly workers: Record<string, WorkerTally>;
  /** Bytes of segment levels (or roots) the results held. */
  readonly resultBytes: number;
}

export async function combineRanges(input: CombineInput): Promise<Combined> {
  const { build, spec, plan, hasher, lone, sink } = input;
  const assembler = new SegmentAssembler(hasher, lone, spec.segmentLevel, sink);
  const workers: Record<string, WorkerTally> = Object.create(null);
  let resultBytes = 0;
  const reads: Array<Promise<unknown>> = [];
  const read = (range: number): void => {
    if (range >= plan.rangeCount) return;
    const reading = input.readResult(range);
    // A read ahead that fails (the build was stopped) before its turn must not reject
    // unheard; its turn, if it comes, still sees the failure.
    reading.catch(() => undefined);
    reads[range] = reading;
  };
  for (let range = 0; range < Math.min(kReadAhead, plan.rangeCount); range++) read(range);
  for (let range = 0; range < plan.rangeCount; range++) await combineOne(range);
  const { root, ambiguous } = await assembler.finish(plan.segmentCount);
  return { root, ambiguous, workers, resultBytes };

  async function combineOne(range: number): Promise<void> {
    const value = await reads[range];
    delete reads[range];
    read(range + kReadAhead);
    const span = rangeSpan(spec, plan, range);
    const checked = checkRangeResult(value, { build, spec, plan, span }, hasher, lone);
    for (const segment of checked.segments) {
      resultBytes += segment.levels.length;
      if (checked.full) await assembler.accept(segment.index, segment.leafCount, segment.levels, segment.index === plan.segmentCount - 1);
      else assembler.acceptTop(segment.index, segment.levels);
    }
    const tally = (workers[checked.worker] ??= { ranges: 0, bytes: 0 });
    tally.ranges++;
    tally.bytes += span.byteLength;
  }
}
