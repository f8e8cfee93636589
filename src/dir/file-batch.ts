/** The message a file-batch worker receives (files-worker.ts), and what it answers. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice, HashName } from '../hash/types.js';
import type { ProfileName } from '../tree/profile.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/** The worker module, bundled into one CommonJS file at `npm run build` (scripts/bundle.mjs), as the segment worker is. */
export const kFilesWorkerFile = path.join(kPackageRoot, 'dist', 'dir', 'files-worker.cjs');

export interface FileBatchTask {
  readonly profile: ProfileName;
  readonly hash: HashName;
  /** Chosen in the main thread (never `auto`), so every thread hashes alike. */
  readonly backend: BackendChoice;
  readonly blockSize: number;
  /** Absolute paths as bytes (names are not re-encoded). */
  readonly paths: readonly Uint8Array[];
  /** What the walk saw of each: a file that differs when opened, or changes while read, is reported, not hashed. */
  readonly sizes: readonly number[];
  readonly mtimesNs: readonly bigint[];
}

/** Per file: its root and (more than one leaf) its leaf level, or why it was not hashed. */
export type FileBatchResult = ({ readonly root: Uint8Array; readonly leaves?: Uint8Array } | { readonly skipped: string })[];
