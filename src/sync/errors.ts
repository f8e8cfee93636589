/**
 * Sync errors: every way a sync can abort, each with a stable code. When a client raises one
 * the local file is as it was before the sync began.
 */
import { MerkleError } from '../errors.js';

/** A sync that aborted. `code` says why (see the subclasses; ERR_SYNC_LOCAL_CHANGED: the local file was written to mid-sync). */
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
