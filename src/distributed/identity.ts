/**
 * A queued build's identity and its cut into range jobs. Job ids are derived from the identity
 * (the input's location, size and version, the tree's parameters, the cut), so the same command
 * run again finds the jobs it queued before, finished or not, and no range is hashed twice; a
 * changed input (size, mtime or ETag) is another build. Pure data: nothing here talks to Redis.
 */
import { createHash } from 'node:crypto';
import { kHashNames, type HashName } from '../hash/types.js';
import { kProfileNames, kProfiles, type ProfileName } from '../tree/profile.js';

/** Where the bytes are and which version of them: a file every worker can read, or an HTTP(S) URL served with Range requests. */
export type InputIdentity =
  | { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeNs: string }
  | { readonly kind: 'http'; readonly url: string; readonly size: number; readonly etag: string };

/** Everything that decides a queued build's jobs and their results. */
export interface QueuedBuildSpec {
  readonly version: 1;
  readonly input: InputIdentity;
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly blockSize: number;
  /** log2 of the leaves per segment. */
  readonly segmentLevel: number;
  readonly segmentsPerRange: number;
  /** Workers return every segment level (the coordinator writes a tree file), not only segment roots. */
  readonly withLevels: boolean;
}

/** The cut of a build into segments and ranges (a range: consecutive segments, one job). */
export interface RangePlan {
  readonly leafCount: number;
  readonly segmentLeaves: number;
  readonly segmentBytes: number;
  readonly segmentCount: number;
  readonly segmentsPerRange: number;
  readonly rangeCount: number;
}

export interface RangeSpan {
  readonly range: number;
  readonly firstSegment: number;
  readonly segmentCount: number;
  readonly byteOffset: number;
  readonly byteLength: number;
}

export function planRanges(spec: QueuedBuildSpec): RangePlan {
  const leafCount = Math.ceil(spec.input.size / spec.blockSize);
  const segmentLeaves = 2 ** spec.segmentLevel;
  const segmentCount = Math.ceil(leafCount / segmentLeaves);
  return {
    leafCount,
    segmentLeaves,
    segmentBytes: segmentLeaves * spec.blockSize,
    segmentCount,
    segmentsPerRange: spec.segmentsPerRange,
    rangeCount: Math.ceil(segmentCount / spec.segmentsPerRange),
  };
}

export function rangeSpan(spec: QueuedBuildSpec, plan: RangePlan, range: number): RangeSpan {
  const firstSegment = range * plan.segmentsPerRange;
  const segmentCount = Math.min(plan.segmentsPerRange, plan.segmentCount - firstSegment);
  const byteOffset = firstSegment * plan.segmentBytes;
  return { range, firstSegment, segmentCount, byteOffset, byteLength: Math.min(segmentCount * plan.segmentBytes, spec.input.size - byteOffset) };
}

/** buildIdOf is the build's id: SHA-256 of its identity in a fixed field order, 24 hex digits. */
export function buildIdOf(spec: QueuedBuildSpec): string {
  const input = spec.input.kind === 'file'
    ? ['file', spec.input.path, spec.input.size, spec.input.mtimeNs]
    : ['http', spec.input.url, spec.input.size, spec.input.etag];
  const fields = [spec.version, input, spec.profile, spec.hash, spec.blockSize, spec.segmentLevel, spec.segmentsPerRange, spec.withLevels];
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex').slice(0, 24);
}

/** BullMQ job ids may not contain ':' nor be integers; these are neither. */
export const rangeJobId = (buildId: string, range: number): string => `${buildId}-r${range}`;
export const combineJobId = (buildId: string): string => `${buildId}-combine`;
/** Each build's combine job has a queue of its own, which only its coordinator works. */
export const combineQueueName = (queueName: string, buildId: string): string => `${queueName}-combine-${buildId}`;

/** What a range job carries in Redis. */
export interface RangeJobData {
  readonly build: string;
  readonly range: number;
  readonly spec: QueuedBuildSpec;
}

/** The version of the input a worker saw: the file's mtime in ns, or the ETag. */
export const inputVersion = (input: InputIdentity): string => (input.kind === 'file' ? input.mtimeNs : input.etag);

export const describeInput = (input: InputIdentity): string => (input.kind === 'file' ? input.path : input.url);

/**
 * checkRangeJob turns job data read from Redis into a range job, or says what is wrong with it:
 * Redis content is not trusted. The build id must be the hash of the spec it came with, and
 * the job id the one that id and range make.
 */
export function checkRangeJob(jobId: string | undefined, data: unknown): { data: RangeJobData; span: RangeSpan; plan: RangePlan } | string {
  if (typeof data !== 'object' || data === null) return 'no job data';
  const { build, range, spec } = data as Partial<RangeJobData>;
  if (typeof spec !== 'object' || spec === null) return 'no build spec';
  const why = checkSpec(spec);
  if (why) return `build spec: ${why}`;
  if (typeof build !== 'string' || build !== buildIdOf(spec)) return 'the build id is not the hash of its spec';
  const plan = planRanges(spec);
  if (!Number.isSafeInteger(range) || range! < 0 || range! >= plan.rangeCount) return `range ${String(range)} is not one of the build's ${plan.rangeCount}`;
  if (jobId !== rangeJobId(build, range!)) return `job id ${String(jobId)} is not ${rangeJobId(build, range!)}`;
  return { data: { build, range: range!, spec }, span: rangeSpan(spec, plan, range!), plan };
}

const isCount = (value: unknown, max = Number.MAX_SAFE_INTEGER): value is number => Number.isSafeInteger(value) && (value as number) >= 0 && (value as number) <= max;

function checkSpec(spec: Partial<QueuedBuildSpec>): string | undefined {
  if (spec.version !== 1) return `version ${String(spec.version)}`;
  if (!kProfileNames.includes(spec.profile!)) return `profile ${String(spec.profile)}`;
  if (!kHashNames.includes(spec.hash!)) return `hash ${String(spec.hash)}`;
  const allowed = kProfiles[spec.profile!].hashes;
  if (allowed && !allowed.includes(spec.hash!)) return `profile ${spec.profile} with hash ${spec.hash}`;
  if (!isCount(spec.blockSize, 1024 ** 3) || spec.blockSize === 0) return `block size ${String(spec.blockSize)}`;
  if (!isCount(spec.segmentLevel, 40)) return `segment level ${String(spec.segmentLevel)}`;
  if (!isCount(spec.segmentsPerRange, 1 << 20) || spec.segmentsPerRange === 0) return `segments per range ${String(spec.segmentsPerRange)}`;
  if (typeof spec.withLevels !== 'boolean') return 'withLevels';
  const input = spec.input as Partial<InputIdentity> | undefined;
  if (typeof input !== 'object' || input === null || !isCount(input.size)) return 'input size';
  if (input.kind === 'file') {
    if (typeof input.path !== 'string' || input.path === '' || typeof input.mtimeNs !== 'string' || !/^\d{1,25}$/.test(input.mtimeNs)) return 'file input';
  } else if (input.kind === 'http') {
    if (typeof input.url !== 'string' || !/^https?:\/\//.test(input.url) || typeof input.etag !== 'string' || input.etag === '') return 'http input';
  } else {
    return `input kind ${String(input.kind)}`;
  }
  return undefined;
}
