/**
 * A range job's result: the levels of its segments, as a worker returns them through Redis, and
 * the coordinator's checks before any of it is used. A result is hostile until checked: it must
 * be for this build, this range and the input version the build was queued for, have exactly
 * the sizes the range's segments make, and its levels must rise to its segment roots by the
 * profile's rule (the coordinator rehashes levels 1..k from the returned leaves: about one node
 * hash per leaf, next to the worker's one leaf hash per block).
 */
import { QueueError } from '../errors.js';
import { hashSegmentWith } from '../builders/segment-hash.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule } from '../tree/profile.js';
import { segmentLevelWidths } from '../tree/segments.js';
import { inputVersion, rangeJobId, type QueuedBuildSpec, type RangePlan, type RangeSpan } from './identity.js';

export interface RangeResult {
  readonly version: 1;
  readonly build: string;
  readonly range: number;
  readonly firstSegment: number;
  readonly segmentCount: number;
  /** The input as the worker saw it, before and after hashing. */
  readonly input: { readonly size: number; readonly version: string };
  /** Whether `levels` holds every segment's levels 0..k, or its root alone. */
  readonly full: boolean;
  /** Base64: for each segment in order, its levels 0..k back to back (full) or its root. */
  readonly levels: string;
  /** Who hashed it (host:pid), for the build's summary. */
  readonly worker: string;
  readonly seconds: number;
}

/** A segment of a checked result: its levels 0..k, or its root alone. */
export interface CheckedSegment {
  readonly index: number;
  readonly leafCount: number;
  readonly levels: Uint8Array;
}

export interface CheckedRange {
  readonly segments: readonly CheckedSegment[];
  readonly full: boolean;
  readonly worker: string;
  readonly seconds: number;
}

/** fullLevels: a range's result holds every level when a tree file is written, and for the last range always (its level ends tell ambiguity). */
export const fullLevels = (spec: QueuedBuildSpec, plan: RangePlan, span: RangeSpan): boolean => spec.withLevels || span.range === plan.rangeCount - 1;

/** segmentLeafCount is the leaves of segment `index`. */
export const segmentLeafCount = (plan: RangePlan, index: number): number => Math.min(plan.segmentLeaves, plan.leafCount - index * plan.segmentLeaves);

/** The bytes of one segment's part of a result. */
function segmentBytes(plan: RangePlan, spec: QueuedBuildSpec, index: number, full: boolean, digestSize: number): number {
  if (!full) return digestSize;
  return segmentLevelWidths(segmentLeafCount(plan, index), spec.segmentLevel).reduce((sum, w) => sum + w, 0) * digestSize;
}

interface Expected {
  readonly build: string;
  readonly spec: QueuedBuildSpec;
  readonly plan: RangePlan;
  readonly span: RangeSpan;
}

/** checkRangeResult checks a result read from Redis against what the range must be; QueueError naming the job and range if it is not. */
export function checkRangeResult(value: unknown, expected: Expected, hasher: TreeHasher, lone: LoneNodeRule): CheckedRange {
  const { build, spec, plan, span } = expected;
  const d = hasher.digestSize;
  const lastSegment = span.firstSegment + span.segmentCount - 1;
  const where = `range ${span.range} (job ${rangeJobId(build, span.range)}, segments ${span.firstSegment}–${lastSegment}, bytes ${span.byteOffset}–${span.byteOffset + span.byteLength})`;
  const refuse = (why: string, worker?: unknown): never => {
    const from = typeof worker === 'string' ? ` from ${worker.slice(0, 200)}` : '';
    throw new QueueError('ERR_MERKLE_QUEUE_RESULT', `${where}: refused the result${from}: ${why}`);
  };
  if (typeof value !== 'object' || value === null) refuse(`not a result (${value === null ? 'null' : typeof value})`);
  const result = value as Partial<RangeResult>;
  const { worker } = result;
  if (result.version !== 1) refuse(`result version ${String(result.version)}`, worker);
  if (result.build !== build) refuse(`it is for build ${String(result.build)}, not ${build}`, worker);
  if (result.range !== span.range || result.firstSegment !== span.firstSegment || result.segmentCount !== span.segmentCount) {
    refuse(`it is for range ${String(result.range)} (segments ${String(result.firstSegment)} + ${String(result.segmentCount)})`, worker);
  }
  const seen = result.input;
  const version = inputVersion(spec.input);
  if (typeof seen !== 'object' || seen === null || seen.size !== spec.input.size || seen.version !== version) {
    refuse(`the worker hashed another version of the input (size ${String(seen?.size)}, ${spec.input.kind === 'file' ? 'mtime' : 'ETag'} ${String(seen?.version)}; the build's: ${spec.input.size}, ${version})`, worker);
  }
  const full = fullLevels(spec, plan, span);
  if (result.full !== full) refuse(full ? 'it holds segment roots only, and every level was asked for' : 'it holds levels that were not asked for', worker);
  if (typeof result.levels !== 'string' || typeof worker !== 'string' || typeof result.seconds !== 'number') refuse('fields of the wrong type', worker);
  let expectedLength = 0;
  for (let index = span.firstSegment; index <= lastSegment; index++) expectedLength += segmentBytes(plan, spec, index, full, d);
  // Base64 of n bytes is 4·ceil(n/3) characters: refuse a wrong length before decoding it.
  if (result.levels!.length !== 4 * Math.ceil(expectedLength / 3)) refuse(`its levels are ${result.levels!.length} base64 characters, not ${4 * Math.ceil(expectedLength / 3)}`, worker);
  // A stray character decodes to fewer bytes; what decodes to the right length is then checked
  // for what it is (levels rehashed, roots combined).
  const bytes = Buffer.from(result.levels!, 'base64');
  if (bytes.length !== expectedLength) refuse(`its levels are not base64 of ${expectedLength} bytes`, worker);

  const segments: CheckedSegment[] = [];
  let offset = 0;
  for (let index = span.firstSegment; index <= lastSegment; index++) {
    const leafCount = segmentLeafCount(plan, index);
    const length = segmentBytes(plan, spec, index, full, d);
    const levels = new Uint8Array(bytes.buffer, bytes.byteOffset + offset, length);
    if (full) {
      const leaves = levels.subarray(0, leafCount * d);
      const rebuilt = hashSegmentWith(leafCount, spec.segmentLevel, hasher, lone, (level0) => level0.set(leaves));
      if (!Buffer.from(rebuilt).equals(levels)) refuse(`segment ${index}'s levels do not rise to its root by the ${spec.profile} rule`, worker);
    }
    segments.push({ index, leafCount, levels });
    offset += length;
  }
  return { segments, full, worker: worker!, seconds: result.seconds! };
}
