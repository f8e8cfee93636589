/** The rows every suite produces and the report reads. One shape keeps the JSON easy to query. */

export type SuiteName = 'kernels' | 'peers' | 'trees' | 'overhead';

export interface BenchRow {
  readonly suite: SuiteName;
  /** What was measured, e.g. `leaf`, `node64`, `file-build`, `proof-file`. */
  readonly test: string;
  /** Who did the work: `merkle-engine sha256/native/shani`, `node:crypto`, `openssl speed`. */
  readonly implementation: string;
  readonly hash?: string;
  readonly backend?: string;
  readonly kernel?: string;
  /** Message, leaf or block size in bytes. */
  readonly size?: number;
  /** `batched` (many hashes per call) or `one-per-call`. */
  readonly mode?: 'batched' | 'one-per-call';
  readonly threads?: number;
  /** Leaf count, for tree rows. */
  readonly leaves?: number;
  /** Data bytes, for builds. */
  readonly bytes?: number;
  readonly bytesPerSecond?: number;
  readonly hashesPerSecond?: number;
  /** Median wall seconds of one operation. */
  readonly seconds?: number;
  /** Anything else a test measures (peak RSS, p50/p99, ratios, node counts). */
  readonly extra?: Record<string, number | string | boolean>;
  /** Set instead of figures when the row could not be measured here. */
  readonly skipped?: string;
}

/** Suites report progress through this so the CLI can print to stderr. */
export type ProgressSink = (message: string) => void;
