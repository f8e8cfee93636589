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
  constructor(message: string, options?: { cause?: unknown }) {
    super('ERR_MERKLE_INPUT', message, options);
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
