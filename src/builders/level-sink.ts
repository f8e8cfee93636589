/**
 * LevelSink: where a builder puts nodes as it makes them — a tree file being written at final
 * offsets, or memory. Builders may deliver runs of a level out of order.
 */
import { levelCount, levelSize } from '../tree/levels.js';

export interface LevelSink {
  /** writeNodes stores `nodes` (whole digests) as nodes firstIndex, firstIndex+1, … of `level`. */
  writeNodes(level: number, firstIndex: number, nodes: Uint8Array): void | Promise<void>;
}

/** MemoryLevelSink holds every level of a tree of known size in memory. */
export class MemoryLevelSink implements LevelSink {
  readonly levels: Uint8Array[];
  readonly #digestSize: number;

  constructor(size: number, digestSize: number) {
    this.#digestSize = digestSize;
    this.levels = Array.from({ length: levelCount(size) }, (_, l) => new Uint8Array(levelSize(size, l) * digestSize));
  }

  writeNodes(level: number, firstIndex: number, nodes: Uint8Array): void {
    this.levels[level]!.set(nodes, firstIndex * this.#digestSize);
  }
}

/** writeLevels sends whole levels (levels[0] is level `baseLevel`) to a sink. */
export async function writeLevels(sink: LevelSink, levels: readonly Uint8Array[], baseLevel = 0): Promise<void> {
  for (const [l, nodes] of levels.entries()) await sink.writeNodes(baseLevel + l, 0, nodes);
}

/** GrowingLevelSink holds every level in memory for a tree whose size is not known up front (streams). */
export class GrowingLevelSink implements LevelSink {
  #levels: Uint8Array[] = [];
  #lengths: number[] = [];
  readonly #digestSize: number;

  constructor(digestSize: number) {
    this.#digestSize = digestSize;
  }

  writeNodes(level: number, firstIndex: number, nodes: Uint8Array): void {
    while (this.#levels.length <= level) {
      this.#levels.push(new Uint8Array(0));
      this.#lengths.push(0);
    }
    const end = firstIndex * this.#digestSize + nodes.length;
    let target = this.#levels[level]!;
    if (end > target.length) {
      const grown = new Uint8Array(Math.max(end, target.length * 2));
      grown.set(target);
      this.#levels[level] = target = grown;
    }
    target.set(nodes, firstIndex * this.#digestSize);
    this.#lengths[level] = Math.max(this.#lengths[level]!, end);
  }

  /** levels returns the levels written so far, each trimmed to its length. */
  levels(): Uint8Array[] {
    return this.#levels.map((level, l) => level.subarray(0, this.#lengths[l]));
  }
}

/** teeSinks writes to every given sink (skipping undefined ones); undefined if there are none. */
export function teeSinks(...sinks: Array<LevelSink | undefined>): LevelSink | undefined {
  const present = sinks.filter((s): s is LevelSink => s !== undefined);
  if (present.length <= 1) return present[0];
  return {
    async writeNodes(level, firstIndex, nodes) {
      for (const sink of present) await sink.writeNodes(level, firstIndex, nodes);
    },
  };
}
