/** The message a pool worker receives: which bytes of which file to hash as which segment. */
import type { BackendChoice, HashName } from '../hash/types.js';
import type { ProfileName } from '../tree/profile.js';

export interface SegmentTask {
  readonly path: string;
  readonly profile: ProfileName;
  readonly hash: HashName;
  /** The backend chosen in the main thread (never `auto`, so every thread uses the same). */
  readonly backend: BackendChoice;
  readonly blockSize: number;
  readonly segmentIndex: number;
  readonly firstLeaf: number;
  readonly byteOffset: number;
  readonly byteLength: number;
  readonly topLevel: number;
}
