/**
 * Checkpoints of a long build, so a crash costs seconds of work, not hours.
 *
 * A checkpoint records the done prefix of a segmented build: how many segments (and so bytes)
 * are hashed, their roots, and — when a tree file is being made — the spilled levels beside it
 * in the same folder, flushed to disk before the checkpoint that refers to them is published.
 * The checkpoint file is versioned, checksummed and replaced atomically (temp, fsync, rename),
 * so the current one is always whole. Resuming continues from it and yields exactly the root
 * of an uninterrupted build.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { CheckpointError } from '../errors.js';
import { syncDirectory, writeFileAtomically } from '../store/io.js';
import { kHashInfo, kHashNames, type HashName } from '../hash/types.js';
import { kProfileNames, type ProfileName } from '../tree/profile.js';

export const kCheckpointFile = 'checkpoint.json';
const kFormat = 'merkle-engine checkpoint';
const kVersion = 1;


/** What a checkpoint says about the build it belongs to; a resume must match every field. */
export interface CheckpointIdentity {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly blockSize: number;
  readonly segmentLevel: number;
  /** The tree file being made, or null. */
  readonly out: string | null;
  /** A file input is recorded by path, size and mtime; a stream cannot be identified. */
  readonly input: { readonly kind: 'file'; readonly path: string; readonly size: number; readonly mtimeNs: string } | { readonly kind: 'stream' };
}

export interface Checkpoint {
  readonly identity: CheckpointIdentity;
  /** Segments done: bytes [0, bytes) are hashed. */
  readonly segments: number;
  readonly bytes: number;
  /** Roots of the done segments, back to back. */
  readonly roots: Uint8Array;
}

const checksumOf = (body: string): string => createHash('sha256').update(body).digest('hex');

/** readCheckpoint returns the checkpoint in `dir`, undefined if there is none; throws CheckpointError if it is bad. */
export async function readCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const file = path.join(dir, kCheckpointFile);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const corrupt = (why: string) => new CheckpointError('ERR_MERKLE_CHECKPOINT_CORRUPT', `${file}: corrupt checkpoint (${why}); --restart discards it`);
  let outer: { body?: unknown; checksum?: unknown };
  try {
    outer = JSON.parse(text) as typeof outer;
  } catch {
    throw corrupt('not JSON');
  }
  if (typeof outer.body !== 'string' || typeof outer.checksum !== 'string') throw corrupt('missing body or checksum');
  const calculated = checksumOf(outer.body);
  if (calculated !== outer.checksum) throw corrupt(`checksum ${calculated}, want ${outer.checksum}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(outer.body);
  } catch {
    throw corrupt('the body is not JSON');
  }
  const body = parsed as { format?: unknown; version?: unknown; identity?: unknown; segments?: unknown; bytes?: unknown; roots?: unknown } | null;
  if (body === null || typeof body !== 'object') throw corrupt('the body is not an object');
  if (body.format !== kFormat) throw corrupt(`format ${JSON.stringify(body.format)}`);
  if (body.version !== kVersion) {
    throw new CheckpointError('ERR_MERKLE_CHECKPOINT_MISMATCH', `${file}: checkpoint version ${JSON.stringify(body.version)}, this build reads version ${kVersion}; --restart discards it`);
  }
  const identity = identityProblem(body.identity);
  if (typeof identity === 'string') throw corrupt(identity);
  const count = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!count(body.segments) || !count(body.bytes)) throw corrupt('segments and bytes must be whole numbers');
  if (typeof body.roots !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(body.roots)) throw corrupt('roots must be base64');
  const roots = new Uint8Array(Buffer.from(body.roots, 'base64'));
  const digestSize = kHashInfo[identity.hash].digestSize;
  if (roots.length !== (body.segments as number) * digestSize) throw corrupt(`${roots.length} bytes of roots for ${String(body.segments)} segments of ${digestSize}-byte hashes`);
  return { identity, segments: body.segments as number, bytes: body.bytes as number, roots };
}

/** identityProblem returns the identity if `value` is a well-formed one, else what is wrong with it. */
function identityProblem(value: unknown): CheckpointIdentity | string {
  if (value === null || typeof value !== 'object') return 'the identity is not an object';
  const id = value as Record<string, unknown>;
  if (!kProfileNames.includes(id.profile as ProfileName)) return `unknown profile ${JSON.stringify(id.profile)}`;
  if (!kHashNames.includes(id.hash as HashName)) return `unknown hash ${JSON.stringify(id.hash)}`;
  const whole = (v: unknown) => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
  if (!whole(id.blockSize) || !whole(id.segmentLevel)) return 'blockSize and segmentLevel must be whole numbers';
  if (id.out !== null && typeof id.out !== 'string') return 'out must be a path or null';
  const input = id.input as Record<string, unknown> | null;
  if (input === null || typeof input !== 'object') return 'the input is not an object';
  if (input.kind === 'stream') return value as CheckpointIdentity;
  if (input.kind !== 'file' || typeof input.path !== 'string' || !whole(input.size) || typeof input.mtimeNs !== 'string') return 'the input must be a file (path, size, mtimeNs) or a stream';
  return value as CheckpointIdentity;
}

/** writeCheckpoint replaces the checkpoint in `dir` atomically. */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<void> {
  const body = JSON.stringify({
    format: kFormat,
    version: kVersion,
    identity: checkpoint.identity,
    segments: checkpoint.segments,
    bytes: checkpoint.bytes,
    roots: Buffer.from(checkpoint.roots).toString('base64'),
  });
  await writeFileAtomically(path.join(dir, kCheckpointFile), JSON.stringify({ body, checksum: checksumOf(body) }));
}

/** removeCheckpoint deletes the checkpoint file (the build it described is done or discarded). */
export async function removeCheckpoint(dir: string): Promise<void> {
  await rm(path.join(dir, kCheckpointFile), { force: true });
  await syncDirectory(dir);
}

export async function ensureCheckpointDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true });
}

/** mismatchOf names the first field in which a checkpoint differs from the build asked for, or undefined. */
export function mismatchOf(recorded: CheckpointIdentity, wanted: CheckpointIdentity): string | undefined {
  for (const key of ['profile', 'hash', 'blockSize', 'segmentLevel', 'out'] as const) {
    if (recorded[key] !== wanted[key]) return `${key} is ${JSON.stringify(recorded[key])} in the checkpoint, ${JSON.stringify(wanted[key])} now`;
  }
  const a = recorded.input;
  const b = wanted.input;
  if (a.kind !== b.kind) return `the checkpoint is for a ${a.kind} input, this is a ${b.kind}`;
  if (a.kind === 'file' && b.kind === 'file') {
    if (path.resolve(a.path) !== path.resolve(b.path)) return `input was ${a.path}, now ${b.path}`;
    if (a.size !== b.size || a.mtimeNs !== b.mtimeNs) return `input ${b.path} changed since the checkpoint (size ${a.size} → ${b.size})`;
  }
  return undefined;
}
