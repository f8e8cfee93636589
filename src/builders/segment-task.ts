/** The message a segment worker receives: which bytes to hash as which segment; and where that worker is. */
import type { MappingChoice } from '../io/mapped-file.js';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendChoice, HashName } from '../hash/types.js';
import type { ProfileName } from '../tree/profile.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
/**
 * The segment worker module: src/builders/segment-worker.ts bundled into one CommonJS file at
 * `npm run build` (scripts/bundle.mjs), which a worker thread loads with require(), without
 * Node's ES module loader. Workers need compiled JS (Node 20 cannot run .ts in workers), so
 * this is always in dist/.
 */
export const kSegmentWorkerFile = path.join(kPackageRoot, 'dist', 'builders', 'segment-worker.cjs');

/**
 * Where a segment's bytes are: a byte range of a file the worker reads itself, or bytes in a
 * SharedArrayBuffer the main thread filled (streams, which only the main thread can read).
 */
export type SegmentSource =
  | {
      readonly path: string;
      /**
       * The file, opened once by the build: threads share the process's descriptors, so every
       * segment is read from the same open file (the same inode, even if the path is replaced).
       */
      readonly fd: number;
      readonly byteOffset: number;
      readonly byteLength: number;
      /** Map the range, read it, or choose window by window (io/mapped-file.ts). */
      readonly mmap: MappingChoice;
    }
  | { readonly data: Uint8Array };

export interface SegmentTask {
  readonly source: SegmentSource;
  readonly profile: ProfileName;
  readonly hash: HashName;
  /** The backend chosen in the main thread (never `auto`, so every thread uses the same). */
  readonly backend: BackendChoice;
  readonly blockSize: number;
  readonly segmentIndex: number;
  readonly firstLeaf: number;
  readonly topLevel: number;
  /**
   * Answer with the segment's top node (level topLevel) only: the build keeps no lower levels
   * (no tree file, no levels in memory), so hashing threads need not send them back.
   */
  readonly topOnly?: boolean;
}
