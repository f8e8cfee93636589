/**
 * SegmentAssembler: the main thread's side of a segmented build. Segments' levels arrive in
 * any order; each is written at its final place in the sink, its root kept as the tree's
 * level-k node, and at the end the levels above are built from those roots. Segment roots
 * cost one digest per segment (4 MiB per TiB at 8 MiB segments), so memory stays flat.
 */
import type { BackendName, HashName } from '../hash/types.js';
import { buildLevels, endsInDuplicatePair } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule, Profile } from '../tree/profile.js';
import { segmentLevelWidths } from '../tree/segments.js';
import { writeLevels, type LevelSink } from './level-sink.js';

/** What every segmented build (file or stream) is told. */
export interface SegmentedBuild {
  readonly profile: Profile;
  readonly hash: HashName;
  /** The backend resolved in the main thread; workers use the same. */
  readonly backend: BackendName;
  /** The main thread's hasher, for the levels above the segments. */
  readonly hasher: TreeHasher;
  readonly blockSize: number;
  readonly threads: number;
  /** log2 of blocks per segment. */
  readonly segmentLevel: number;
  readonly onProgress?: (progress: { bytesDone: number; bytesTotal: number }) => void;
  /** Replaces the pool's worker file (fault-injection tests). */
  readonly workerFile?: string;
}

export class SegmentAssembler {
  readonly #hasher: TreeHasher;
  readonly #lone: LoneNodeRule;
  readonly #segmentLevel: number;
  readonly #sink?: LevelSink;
  #roots = new Uint8Array(0);
  #ambiguous = false;

  constructor(hasher: TreeHasher, lone: LoneNodeRule, segmentLevel: number, sink?: LevelSink) {
    this.#hasher = hasher;
    this.#lone = lone;
    this.#segmentLevel = segmentLevel;
    this.#sink = sink;
  }

  /**
   * accept takes segment `index`'s levels 0..segmentLevel (as hashSegment returns them) for a
   * segment of `leafCount` leaves. `isLast`: it ends the tree, so it holds every level's end.
   */
  async accept(index: number, leafCount: number, levels: Uint8Array, isLast: boolean): Promise<void> {
    const d = this.#hasher.digestSize;
    const k = this.#segmentLevel;
    const widths = segmentLevelWidths(leafCount, k);
    let offset = 0;
    for (const [level, width] of widths.entries()) {
      const nodes = levels.subarray(offset * d, (offset + width) * d);
      if (level < k) {
        await this.#sink?.writeNodes(level, index * 2 ** (k - level), nodes);
        // Segments are aligned to 2^k, so only the last one holds the ends of levels 0..k-1.
        if (isLast && this.#lone === 'duplicate') this.#ambiguous ||= endsInDuplicatePair(nodes, width, d);
      } else {
        this.#keepRoot(index, nodes);
      }
      offset += width;
    }
  }

  /** acceptTop takes segment `index`'s top node alone (a build that keeps no lower levels). */
  acceptTop(index: number, root: Uint8Array): void {
    this.#keepRoot(index, root);
  }

  /** finish builds the levels above the `segmentCount` segment roots and returns the root. */
  async finish(segmentCount: number): Promise<{ root: Uint8Array; ambiguous: boolean }> {
    const upper = buildLevels(this.#roots, segmentCount, this.#hasher, this.#lone);
    if (this.#sink) await writeLevels(this.#sink, upper.levels, this.#segmentLevel);
    return { root: upper.root, ambiguous: this.#ambiguous || upper.ambiguous };
  }

  /** roots returns a copy of the first `count` segment roots (for a checkpoint). */
  roots(count: number): Uint8Array {
    return this.#roots.slice(0, count * this.#hasher.digestSize);
  }

  /** restore puts back the segment roots of a checkpoint: roots 0..count-1. */
  restore(roots: Uint8Array): void {
    const d = this.#hasher.digestSize;
    for (let index = 0; index * d < roots.length; index++) this.#keepRoot(index, roots.subarray(index * d, (index + 1) * d));
  }

  #keepRoot(index: number, root: Uint8Array): void {
    const d = this.#hasher.digestSize;
    if ((index + 1) * d > this.#roots.length) {
      const grown = new Uint8Array(Math.max((index + 1) * d, this.#roots.length * 2, 64 * d));
      grown.set(this.#roots);
      this.#roots = grown;
    }
    this.#roots.set(root, index * d);
  }
}
