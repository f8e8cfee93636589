/**
 * Checkpointed builds: the streaming builder over a file (read from the checkpoint's offset) or
 * a stream (its first bytes skipped), recording the done prefix every few seconds so that a
 * crashed build can be resumed (docs/architecture.md, Checkpoints). The build itself is the
 * caller's stream build, handed the spill, the resume point and a per-segment hook.
 */
import { createReadStream } from 'node:fs';
import path from 'node:path';
import type { CheckpointOptions } from '../api/options.js';
import { CheckpointError, DataChangedError, InputError } from '../errors.js';
import { isFillableSource, type FillableSource } from '../io/fillable.js';
import { statOf } from '../io/read-only-file.js';
import type { HashName } from '../hash/types.js';
import type { SourceIdentity } from '../store/format.js';
import { SpillLevelSink } from '../store/spill.js';
import type { ProfileName } from '../tree/profile.js';
import { ensureCheckpointDir, mismatchOf, readCheckpoint, removeCheckpoint, writeCheckpoint, type Checkpoint, type CheckpointIdentity } from './checkpoint.js';
import { openForReading } from './file.js';
import type { StreamTreeBuilder } from './stream.js';

/** What identifies a checkpointed build, besides its input. */
export interface CheckpointedBuild {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly blockSize: number;
  readonly segmentLevel: number;
  readonly digestSize: number;
  readonly out?: string;
  readonly signal?: AbortSignal;
}

/** What a checkpointed build adds to a stream build. */
export interface StreamExtras {
  readonly spill?: SpillLevelSink;
  readonly resume?: Checkpoint;
  readonly onSegmentDone?: (builder: StreamTreeBuilder) => void;
  readonly source?: SourceIdentity;
}

/**
 * A build with checkpoints: the streaming builder over the file (read from the checkpoint's
 * offset) or the stream (its first bytes skipped), checkpointing the done prefix every few
 * seconds; the spilled levels live in the checkpoint folder.
 */
export async function buildCheckpointed<Built>(
  input: string | AsyncIterable<Uint8Array>,
  build: CheckpointedBuild,
  options: Required<CheckpointOptions>,
  buildStream: (chunks: AsyncIterable<Uint8Array>, extras: StreamExtras) => Promise<Built>,
): Promise<Built> {
  const { dir } = options;
  const { segmentLevel, signal } = build;
  await ensureCheckpointDir(dir);
  let source: SourceIdentity | undefined;
  let inputIdentity: CheckpointIdentity['input'] = { kind: 'stream' };
  if (typeof input === 'string') {
    await (await openForReading(input)).close();
    const stats = await statOf(input);
    source = { size: Number(stats.size), mtimeNs: stats.mtimeNs };
    inputIdentity = { kind: 'file', path: input, size: source.size, mtimeNs: stats.mtimeNs.toString() };
  }
  const identity: CheckpointIdentity = {
    profile: build.profile,
    hash: build.hash,
    blockSize: build.blockSize,
    segmentLevel,
    out: build.out ? path.resolve(build.out) : null,
    input: inputIdentity,
  };
  if (options.restart) await removeCheckpoint(dir);
  const resume = await readCheckpoint(dir);
  if (resume && !options.resume) {
    throw new CheckpointError('ERR_MERKLE_CHECKPOINT_EXISTS', `${dir} holds a checkpoint of an unfinished build: --resume continues it, --restart discards it`);
  }
  if (resume) {
    const mismatch = mismatchOf(resume.identity, identity);
    if (mismatch) throw new CheckpointError('ERR_MERKLE_CHECKPOINT_MISMATCH', `${dir}: checkpoint is for another build: ${mismatch}; --restart discards it`);
  }
  const k = segmentLevel;
  const kept = Array.from({ length: k }, (_, level) => (resume?.segments ?? 0) * 2 ** (k - level));
  const spill = build.out ? SpillLevelSink.inFolder(dir, build.digestSize, kept) : undefined;

  let lastWrite = Date.now();
  let lastSegments = resume?.segments ?? 0;
  let writing: Promise<void> = Promise.resolve();
  const onSegmentDone = (builder: StreamTreeBuilder): void => {
    if (Date.now() - lastWrite < options.everySeconds * 1000) return;
    const done = builder.completed();
    if (done.segments <= lastSegments) return;
    lastWrite = Date.now();
    lastSegments = done.segments;
    // Spilled nodes reach the disk before the checkpoint that counts them.
    writing = writing.then(async () => {
      await spill?.sync();
      await writeCheckpoint(dir, { identity, ...done });
    });
  };
  const skip = resume?.bytes ?? 0;
  let chunks: AsyncIterable<Uint8Array>;
  if (typeof input === 'string') chunks = createReadStream(input, { start: skip, highWaterMark: 1024 * 1024 });
  else if (isFillableSource(input)) chunks = await skipFilled(input, skip, signal);
  else chunks = skipBytes(input, skip);
  try {
    const built = await buildStream(chunks, { spill, resume, onSegmentDone, source });
    await writing;
    if (source) {
      const after = await statOf(input as string);
      if (Number(after.size) !== source.size || after.mtimeNs !== source.mtimeNs) throw new DataChangedError(`${input}: data changed during build`);
    }
    await removeCheckpoint(dir);
    await spill?.discard();
    return built;
  } catch (error) {
    await writing.catch(() => undefined);
    throw error;
  }
}

/** skipBytes yields `chunks` less its first `count` bytes; fails if it ends before them. */
async function* skipBytes(chunks: AsyncIterable<Uint8Array>, count: number): AsyncGenerator<Uint8Array> {
  let left = count;
  for await (const chunk of chunks) {
    if (left >= chunk.length) {
      left -= chunk.length;
      continue;
    }
    yield chunk.subarray(left);
    left = 0;
  }
  if (left > 0) throw new InputError(`the input ended ${left} bytes before the checkpoint's position (${count}): is it the same input?`);
}

/** skipFilled reads and drops the first `count` bytes of `source`; fails if it ends before them. */
async function skipFilled(source: FillableSource, count: number, signal?: AbortSignal): Promise<FillableSource> {
  const scratch = new Uint8Array(Math.min(count, 8 * 1024 * 1024));
  for (let left = count; left > 0; ) {
    const want = Math.min(left, scratch.length);
    const bytes = await source.fill(scratch.subarray(0, want), signal);
    left -= bytes;
    if (bytes < want) throw new InputError(`the input ended ${left} bytes before the checkpoint's position (${count}): is it the same input?`);
  }
  return source;
}

