/**
 * Hashing one range job where the worker is: its segments read from the shared file (with the
 * local pool, exactly as a single-machine file build hashes them: builders/parallel.ts) or
 * fetched from the URL with Range requests. The input's identity is checked before and after.
 */
import { hostname } from 'node:os';
import { hashFileSegments } from '../builders/parallel.js';
import { hashSegment } from '../builders/segment-hash.js';
import { loadTreeHasher, type LoadedTreeHasher } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import type { MappingChoice } from '../io/mapped-file.js';
import { kProfiles } from '../tree/profile.js';
import { inputVersion, type InputIdentity, type RangeJobData, type RangePlan, type RangeSpan } from './identity.js';
import { fullLevels, type RangeResult } from './result.js';
import { checkStillSame, fetchRange, openIdentified } from './sources.js';

export interface LocalHashing {
  /** Hashing threads of this worker (this thread and a pool of threads − 1) for file inputs. */
  readonly threads: number;
  readonly backend: BackendChoice;
  readonly mmap: MappingChoice;
  readonly signal?: AbortSignal;
}

/** This process as a worker's results name it. */
export const kWorkerName = `${hostname()}:${process.pid}`;

const hashers = new Map<string, Promise<LoadedTreeHasher>>();

function hasherFor(job: RangeJobData, backend: BackendChoice): Promise<LoadedTreeHasher> {
  const key = `${job.spec.profile}/${job.spec.hash}/${backend}`;
  let loaded = hashers.get(key);
  if (!loaded) {
    loaded = loadTreeHasher(kProfiles[job.spec.profile], job.spec.hash, backend);
    hashers.set(key, loaded);
    loaded.catch(() => hashers.delete(key));
  }
  return loaded;
}

/** hashRange hashes the range and returns its result (the levels the coordinator asked for). */
export async function hashRange(job: RangeJobData, span: RangeSpan, plan: RangePlan, local: LocalHashing): Promise<RangeResult> {
  const started = performance.now();
  const full = fullLevels(job.spec, plan, span);
  const parts: Uint8Array[] = new Array(span.segmentCount);
  const keep = (index: number, levels: Uint8Array): void => {
    // A pool's answer may sit in a reused buffer: keep a copy.
    parts[index - span.firstSegment] = levels.slice();
  };
  const { input } = job.spec;
  if (input.kind === 'file') await hashFileRange(job, input, span, full, local, keep);
  else await hashHttpRange(job, input, span, plan, full, local, keep);
  return {
    version: 1,
    build: job.build,
    range: span.range,
    firstSegment: span.firstSegment,
    segmentCount: span.segmentCount,
    input: { size: input.size, version: inputVersion(input) },
    full,
    levels: Buffer.concat(parts).toString('base64'),
    worker: kWorkerName,
    seconds: (performance.now() - started) / 1000,
  };
}

async function hashFileRange(
  job: RangeJobData,
  input: Extract<InputIdentity, { kind: 'file' }>,
  span: RangeSpan,
  full: boolean,
  local: LocalHashing,
  keep: (index: number, levels: Uint8Array) => void,
): Promise<void> {
  const { spec } = job;
  const loaded = await hasherFor(job, local.backend);
  const file = await openIdentified(input);
  try {
    await hashFileSegments(
      {
        path: input.path,
        file,
        fileSize: input.size,
        profile: kProfiles[spec.profile],
        hash: spec.hash,
        backend: loaded.backend,
        blockSize: spec.blockSize,
        threads: local.threads,
        segmentLevel: spec.segmentLevel,
        firstSegment: span.firstSegment,
        segmentCount: span.segmentCount,
        mmap: local.mmap,
        signal: local.signal,
      },
      () => full,
      async (index, levels) => keep(index, levels),
    );
    // A file changed while it was hashed must not yield a result.
    await checkStillSame(file, input);
  } finally {
    await file.close();
  }
}

/**
 * An HTTP range is fetched a segment at a time, the next one fetched while this one is hashed
 * on this thread (the bytes are in this process's memory; the pool's workers read files).
 */
async function hashHttpRange(
  job: RangeJobData,
  input: Extract<InputIdentity, { kind: 'http' }>,
  span: RangeSpan,
  plan: RangePlan,
  full: boolean,
  local: LocalHashing,
  keep: (index: number, levels: Uint8Array) => void,
): Promise<void> {
  const { spec } = job;
  const { hasher } = await hasherFor(job, local.backend);
  const digestSize = hasher.digestSize;
  const lone = kProfiles[spec.profile].lone;
  const fetchSegment = (index: number): Promise<Uint8Array> => {
    const begin = index * plan.segmentBytes;
    return fetchRange(input, begin, Math.min(begin + plan.segmentBytes, input.size), local.signal);
  };
  const last = span.firstSegment + span.segmentCount - 1;
  let next = fetchSegment(span.firstSegment);
  try {
    for (let index = span.firstSegment; index <= last; index++) {
      const data = await next;
      if (index < last) next = fetchSegment(index + 1);
      const levels = hashSegment(data, spec.blockSize, index * plan.segmentLeaves, spec.segmentLevel, hasher, lone);
      keep(index, full ? levels : levels.subarray(levels.length - digestSize));
      await new Promise((resolve) => setImmediate(resolve));
    }
  } finally {
    // A failed hash leaves a prefetch running: wait for it so no request outlives the job.
    await next.catch(() => undefined);
  }
}
