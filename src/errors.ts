/**
 * Error classes with stable `code`s. Every error the engine raises on bad input or a failed
 * check is one of these, so callers (and the CLI's exit codes) can tell them apart.
 */

export class MerkleError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** Bad input or options: the caller's mistake, reported with what and where. CLI exit 2. */
export class InputError extends MerkleError {
  constructor(message: string, options?: { cause?: unknown; code?: string }) {
    super(options?.code ?? 'ERR_MERKLE_INPUT', message, options);
  }
}

/**
 * StorageError: a write the engine needed failed for want of room or a working device (disk
 * full, quota, read-only, I/O error). The message names the file; whatever the write was to
 * replace is left as it was. CLI exit 2.
 */
export class StorageError extends MerkleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MERKLE_STORAGE', message, options);
  }
}

/** UsageError: the command line itself is wrong (unknown option, missing argument). CLI exit 2. */
export class UsageError extends MerkleError {
  constructor(message: string) {
    super('ERR_MERKLE_USAGE', message);
  }
}

/**
 * DataChangedError: the input was written to, truncated or replaced while it was being hashed,
 * so no root can be trusted. The message names the file and what was seen (sizes, byte range).
 */
export class DataChangedError extends InputError {
  constructor(message: string) {
    super(message, { code: 'ERR_MERKLE_DATA_CHANGED' });
  }
}

/** SegmentError: a segment could not be hashed; the message names the segment and its bytes. */
export class SegmentError extends MerkleError {
  readonly segmentIndex: number;
  constructor(segmentIndex: number, begin: number, end: number, cause: unknown) {
    super('ERR_MERKLE_SEGMENT', `segment ${segmentIndex} (bytes ${begin}–${end}) failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.segmentIndex = segmentIndex;
  }
}

/** CheckpointError: a checkpoint that is corrupt, of another version, or for another build. */
export class CheckpointError extends MerkleError {
  constructor(code: 'ERR_MERKLE_CHECKPOINT_CORRUPT' | 'ERR_MERKLE_CHECKPOINT_MISMATCH' | 'ERR_MERKLE_CHECKPOINT_EXISTS', message: string) {
    super(code, message);
  }
}

/** Two trees that cannot be compared node by node: different profile, hash, block size or leaf mode. */
export class IncompatibleTreesError extends MerkleError {
  constructor(message: string) {
    super('ERR_MERKLE_INCOMPATIBLE', message);
  }
}

/** A backend or kernel that cannot run here (addon not built, CPU lacks the instructions). CLI exit 2. */
export class BackendUnavailableError extends MerkleError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MERKLE_BACKEND_UNAVAILABLE', message, options);
  }
}

/** A proof that is malformed or does not verify. CLI exit 1. */
export class ProofError extends MerkleError {
  constructor(message: string, code = 'ERR_MERKLE_PROOF') {
    super(code, message);
  }
}

/** A proof whose recomputed root differs from the expected root. */
export class RootMismatchError extends ProofError {
  readonly expectedRoot: string;
  readonly calculatedRoot: string;
  constructor(expectedRoot: string, calculatedRoot: string) {
    super(`root mismatch: calculated ${calculatedRoot}, want ${expectedRoot}`, 'ERR_MERKLE_ROOT_MISMATCH');
    this.expectedRoot = expectedRoot;
    this.calculatedRoot = calculatedRoot;
  }
}

/** A tree file that is not a valid .mtree: wrong magic, version, truncation, checksum mismatch. CLI exit 2. */
export class TreeFileError extends MerkleError {
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * Codes a TreeFileError carries (src/store, docs/tree-file.md):
 * - ERR_MTREE_MAGIC: the file does not start with the .mtree magic.
 * - ERR_MTREE_VERSION: a format version this build does not read.
 * - ERR_MTREE_TRUNCATED: the file ends inside the header or a level section.
 * - ERR_MTREE_CHECKSUM: the header or a level section does not match its checksum.
 * - ERR_MTREE_HEADER: the header's checksum matches but its fields disagree (or trailing bytes).
 * - ERR_MTREE_ROOT: the top level's node differs from the header's root.
 * - ERR_MTREE_STALE: the data source changed (size or mtime) since the tree was built.
 * - ERR_MTREE_NO_SOURCE: the tree file records no data-source identity to check against.
 * - ERR_MTREE_INCOMPLETE: a positioned writer was committed with nodes never written.
 * - ERR_MTREE_WRITER_STATE: a positioned writer was used after commit, abort or a failed write.
 * - ERR_MTREE_CLOSED: a reader was used after close().
 */
export type TreeFileErrorCode =
  | 'ERR_MTREE_MAGIC'
  | 'ERR_MTREE_VERSION'
  | 'ERR_MTREE_TRUNCATED'
  | 'ERR_MTREE_CHECKSUM'
  | 'ERR_MTREE_HEADER'
  | 'ERR_MTREE_ROOT'
  | 'ERR_MTREE_STALE'
  | 'ERR_MTREE_NO_SOURCE'
  | 'ERR_MTREE_INCOMPLETE'
  | 'ERR_MTREE_WRITER_STATE'
  | 'ERR_MTREE_CLOSED';

/**
 * A sync that aborted; when a client raises one the local file is as it was before the sync
 * began. `code` says why (see the subclasses; ERR_SYNC_LOCAL_CHANGED: the local file was written
 * to mid-sync).
 */
export class SyncError extends MerkleError {}

/** The peer sent something the protocol does not allow: bad JSON, wrong length, oversized body, wrong status. */
export class SyncProtocolError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SYNC_PROTOCOL', message, options);
  }
}

/** A fetched node or block does not hash to its already verified parent or leaf hash. */
export class SyncVerifyError extends SyncError {
  constructor(message: string) {
    super('ERR_SYNC_VERIFY', message);
  }
}

/** The remote tree's root changed while the sync ran (the peer's data was replaced). */
export class SyncRootChangedError extends SyncError {
  constructor(message: string) {
    super('ERR_SYNC_ROOT_CHANGED', message);
  }
}

/** The peer did not answer (or stalled mid-answer) within the time limit. */
export class SyncTimeoutError extends SyncError {
  constructor(message: string) {
    super('ERR_SYNC_TIMEOUT', message);
  }
}

/** The peer could not be reached or refused the request (its own error, passed on). */
export class SyncRemoteError extends SyncError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_SYNC_REMOTE', message, options);
  }
}

/**
 * QueueError: a build on a job queue (src/distributed/) that cannot go on. `code` says why:
 * - ERR_MERKLE_QUEUE_UNREACHABLE: Redis did not answer (the message names the URL).
 * - ERR_MERKLE_QUEUE_RESULT: a worker's result was refused (wrong build, range, input identity
 *   or sizes, or levels that do not rise to their roots); the message names the job and range.
 * - ERR_MERKLE_QUEUE_JOB: a range job failed on a worker (its reason is passed on), or its
 *   data in Redis is not a range job of this engine.
 * CLI exit 2.
 */
export class QueueError extends MerkleError {
  constructor(code: 'ERR_MERKLE_QUEUE_UNREACHABLE' | 'ERR_MERKLE_QUEUE_RESULT' | 'ERR_MERKLE_QUEUE_JOB', message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * An error thrown in a worker thread reaches the caller by structured clone, which keeps the
 * message and `cause` but not the class or `code`. A worker passes its errors through
 * `errorForThread` and the caller restores them with `errorFromThread`, so a caller can test
 * `instanceof DataChangedError` whichever thread noticed the change.
 */
const kCrossThreadErrors: Readonly<Record<string, new (message: string) => MerkleError>> = {
  ERR_MERKLE_DATA_CHANGED: DataChangedError,
  ERR_MERKLE_INPUT: InputError,
};

interface ThreadErrorCause {
  readonly merkleErrorCode?: unknown;
}

export function errorForThread(error: unknown): unknown {
  if (!(error instanceof MerkleError) || !Object.hasOwn(kCrossThreadErrors, error.code)) return error;
  return new Error(error.message, { cause: { merkleErrorCode: error.code } satisfies ThreadErrorCause });
}

export function errorFromThread(error: unknown): unknown {
  const code = ((error as { cause?: ThreadErrorCause } | undefined)?.cause)?.merkleErrorCode;
  if (typeof code !== 'string' || !Object.hasOwn(kCrossThreadErrors, code)) return error;
  return new kCrossThreadErrors[code]!((error as Error).message);
}
