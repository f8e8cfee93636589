/**
 * Build options: the one place where they are validated and defaulted. The API and the CLI
 * both come through here; `name` turns an option key into what the user typed
 * (`options.blockSize` for the API, `--block-size` for the CLI) so messages point at it.
 */
import { availableParallelism } from 'node:os';
import { InputError } from '../errors.js';
import type { MappingChoice } from '../io/mapped-file.js';
import { kBackendNames, kHashNames, type BackendChoice, type HashName } from '../hash/types.js';
import { kProfileNames, kProfiles, type ProfileName } from '../tree/profile.js';

import { kLeafModeInfo, kLeafModes, type LeafMode } from '../store/leaf-modes.js';

export type { LeafMode };

export interface BuildOptions {
  /** Tree profile; default `rfc9162`. */
  profile?: ProfileName;
  /** Hash function; default `sha256`. */
  hash?: HashName;
  /** Backend; default `auto` (the fastest available for the hash). */
  backend?: BackendChoice;
  /** Leaf block size in bytes for `blocks` mode; default 64 KiB. */
  blockSize?: number;
  /** How a file or stream input becomes leaves; default `blocks`. */
  leaves?: LeafMode;
  /** Hashing threads for file inputs; default one per core. */
  threads?: number;
  /**
   * Bytes of data per pool task (rounded down to a power-of-two number of blocks). Default: for
   * a file, 8 to 32 MiB by its size (at least 16 segments per thread, see fileSegmentBytes in
   * builders/parallel.ts); for a stream, 8 MiB.
   */
  segmentSize?: number;
  /**
   * How file segments are got at. `'auto'` (default): each window of a segment is mapped when
   * a probe finds that using its mapped pages costs less than reading them (true of files
   * the page cache holds in huge pages; not of files written in small writes on a VM, where
   * each mapped page's first use is dear), and read with positioned reads otherwise. `true`:
   * always hashed from memory mappings (no copy out of the page cache). `false`: always read
   * (like `b3sum --no-mmap`), e.g. on network file systems. A file that shrinks while mapped
   * fails the build ("data changed during build"); it cannot crash the process.
   */
  mmap?: MappingChoice;
  /** Keep every level in memory (so the result answers proofs); default true except for file and stream inputs. */
  keepLevels?: boolean;
  /** Write the tree to this .mtree file, atomically. */
  out?: string;
  /** Checkpoint the build in a folder so a crash can be resumed (file and stream inputs, blocks). */
  checkpoint?: CheckpointOptions;
  /** Called as data is hashed. */
  onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  /** Abort the build. */
  signal?: AbortSignal;
}

export interface CheckpointOptions {
  /** Folder for the checkpoint and, with `out`, the spilled levels. Created if missing. */
  dir: string;
  /** Seconds of work between checkpoints; default 5. */
  everySeconds?: number;
  /** Continue from the checkpoint in `dir` (none there: start afresh). */
  resume?: boolean;
  /** Discard any checkpoint in `dir` and start afresh. */
  restart?: boolean;
}

export interface FilledBuildOptions {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly backend: BackendChoice;
  readonly blockSize: number;
  readonly leaves: LeafMode;
  readonly threads: number;
  readonly segmentSize: number;
  /** Whether the caller gave segmentSize: if not, a file build picks its own by the file's size. */
  readonly segmentSizeGiven: boolean;
  readonly mmap: MappingChoice;
  readonly keepLevels?: boolean;
  readonly out?: string;
  readonly checkpoint?: Required<CheckpointOptions>;
  readonly onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  readonly signal?: AbortSignal;
}

export const kDefaultBlockSize = 64 * 1024;
export const kDefaultSegmentSize = 8 * 1024 * 1024;
/** More threads than this is a mistake, not a plan. */
export const kMaxThreads = 256;

export const kDefaultBuildOptions = {
  profile: 'rfc9162',
  hash: 'sha256',
  backend: 'auto',
  blockSize: kDefaultBlockSize,
  leaves: 'blocks',
  threads: Math.max(1, availableParallelism()),
  segmentSize: kDefaultSegmentSize,
  mmap: 'auto',
} as const satisfies Omit<FilledBuildOptions, 'signal' | 'onProgress' | 'keepLevels' | 'segmentSizeGiven'>;

/** Largest block size: one block must fit a single read buffer. */
export const kMaxBlockSize = 1024 ** 3;

/** OptionNamer says how an error names an option: `options.blockSize` to a caller, `--block-size` on the command line. */
export type OptionNamer = (key: string) => string;
export const apiOptionName: OptionNamer = (key) => `options.${key}`;

function oneOf<T extends string>(value: unknown, allowed: readonly T[], key: string, name: OptionNamer): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw new InputError(`${name(key)} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** fillBuildOptions validates `options` and fills in defaults; throws InputError naming the option. */
export function fillBuildOptions(options: BuildOptions = {}): FilledBuildOptions {
  return fillBuildOptionsNamed(options, apiOptionName);
}

/** fillBuildOptionsNamed is fillBuildOptions with errors naming options as `name` spells them. */
export function fillBuildOptionsNamed(options: BuildOptions = {}, name: OptionNamer): FilledBuildOptions {
  if (typeof options !== 'object' || options === null) {
    throw new InputError(`options must be an object, got ${options === null ? 'null' : typeof options}`);
  }
  const profile = oneOf(options.profile ?? kDefaultBuildOptions.profile, kProfileNames, 'profile', name);
  // A profile defined for one hash (b3tree: blake3) makes that hash the default.
  const hash = oneOf(options.hash ?? kProfiles[profile].hashes?.[0] ?? kDefaultBuildOptions.hash, kHashNames, 'hash', name);
  const backend = oneOf(options.backend ?? kDefaultBuildOptions.backend, ['auto', ...kBackendNames] as const, 'backend', name);
  const leaves = oneOf(options.leaves ?? kDefaultBuildOptions.leaves, kLeafModes, 'leaves', name);
  const definition = kProfiles[profile];
  if (definition.hashes && !definition.hashes.includes(hash)) {
    throw new InputError(`${name('profile')} ${profile} is defined for ${definition.hashes.join(', ')} only, not ${hash} (set ${name('hash')})`);
  }
  const mode = kLeafModeInfo[leaves];
  if (!mode.fromData && !definition.leavesFromHashes) {
    throw new InputError(`${name('profile')} ${profile} cannot take leaf hashes: its leaves are computed from the data`);
  }
  if (mode.fromData && !definition.leavesFromData) {
    throw new InputError(`${name('profile')} ${profile} takes leaf hashes only (txids): use leaf hashes, not ${leaves}`);
  }
  if (!mode.fixedBlocks && definition.minBlockSize !== undefined) {
    throw new InputError(`${name('profile')} ${profile} takes fixed-size blocks only, not ${leaves}`);
  }
  const blockSize = options.blockSize ?? (definition.minBlockSize ? Math.max(kDefaultBlockSize, definition.minBlockSize) : kDefaultBlockSize);
  if (!Number.isSafeInteger(blockSize) || blockSize <= 0 || blockSize > kMaxBlockSize) {
    throw new InputError(`${name('blockSize')} must be a whole number of bytes from 1 to ${kMaxBlockSize}, got ${blockSize}`);
  }
  if (definition.minBlockSize !== undefined && (blockSize < definition.minBlockSize || (blockSize & (blockSize - 1)) !== 0)) {
    throw new InputError(`${name('blockSize')} must be a power of two of at least ${definition.minBlockSize} bytes for ${profile}, got ${blockSize}`);
  }
  if (options.signal !== undefined && !(options.signal instanceof AbortSignal)) {
    throw new InputError(`${name('signal')} must be an AbortSignal`);
  }
  const threads = options.threads ?? kDefaultBuildOptions.threads;
  if (!Number.isSafeInteger(threads) || threads < 1 || threads > kMaxThreads) {
    throw new InputError(`${name('threads')} must be a whole number from 1 to ${kMaxThreads}, got ${threads}`);
  }
  const segmentSize = options.segmentSize ?? Math.max(kDefaultSegmentSize, blockSize);
  if (!Number.isSafeInteger(segmentSize) || segmentSize < blockSize) {
    throw new InputError(`${name('segmentSize')} must be a whole number of bytes of at least the block size (${blockSize}), got ${segmentSize}`);
  }
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    throw new InputError(`${name('onProgress')} must be a function`);
  }
  if (options.mmap !== undefined && typeof options.mmap !== 'boolean' && options.mmap !== 'auto') {
    throw new InputError(`${name('mmap')} must be true, false or 'auto', got ${String(options.mmap)}`);
  }
  if (options.keepLevels !== undefined && typeof options.keepLevels !== 'boolean') {
    throw new InputError(`${name('keepLevels')} must be a boolean`);
  }
  if (options.out !== undefined && (typeof options.out !== 'string' || options.out.length === 0)) {
    throw new InputError(`${name('out')} must be a file path`);
  }
  let checkpoint: Required<CheckpointOptions> | undefined;
  if (options.checkpoint !== undefined) {
    const c = options.checkpoint;
    if (typeof c !== 'object' || c === null || typeof c.dir !== 'string' || c.dir.length === 0) {
      throw new InputError(`${name('checkpoint')} must name a folder`);
    }
    const everySeconds = c.everySeconds ?? 5;
    if (typeof everySeconds !== 'number' || !(everySeconds >= 0) || !Number.isFinite(everySeconds)) {
      throw new InputError(`${name('checkpointEvery')} must be a number of seconds >= 0, got ${everySeconds}`);
    }
    if (c.resume && c.restart) throw new InputError(`${name('resume')} and ${name('restart')} exclude each other`);
    if (!kLeafModeInfo[leaves].fixedBlocks) throw new InputError(`${name('checkpoint')} applies to block leaves, not ${leaves}`);
    checkpoint = { dir: c.dir, everySeconds, resume: Boolean(c.resume), restart: Boolean(c.restart) };
  }
  return {
    checkpoint,
    profile,
    hash,
    backend,
    blockSize,
    leaves,
    threads,
    segmentSize,
    segmentSizeGiven: options.segmentSize !== undefined,
    mmap: options.mmap ?? kDefaultBuildOptions.mmap,
    keepLevels: options.keepLevels,
    out: options.out,
    onProgress: options.onProgress,
    signal: options.signal,
  };
}
