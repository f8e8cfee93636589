/**
 * SpillLevelSink: levels of a tree whose size is not known yet (a stream), spilled to one temp
 * file per level beside the target as they are made, then copied into a tree file when the
 * size — and so the layout — is known. Memory stays flat; the spill costs one extra write and
 * read of the tree (a few percent of the data at 4 KiB blocks and above).
 */
import { mkdtemp, open, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import type { TreeFileMeta } from './format.js';
import { readFully, writeFully } from './io.js';
import { createTreeFileWriter } from './writer.js';

const kCopyBytes = 4 * 1024 * 1024;

export class SpillLevelSink {
  readonly #dir: string;
  readonly #digestSize: number;
  /** The folder is ours to delete (a temp folder), not a user's checkpoint folder. */
  readonly #ownsDir: boolean;
  readonly #files: Array<Promise<FileHandle>> = [];
  readonly #lengths: number[] = [];

  private constructor(dir: string, digestSize: number, ownsDir: boolean) {
    this.#dir = dir;
    this.#digestSize = digestSize;
    this.#ownsDir = ownsDir;
  }

  /** create makes the spill folder next to `target` (same file system, so no cross-device copy). */
  static async create(target: string, digestSize: number): Promise<SpillLevelSink> {
    const dir = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.spill-`));
    return new SpillLevelSink(dir, digestSize, true);
  }

  /**
   * inFolder spills into `dir` (a checkpoint folder), keeping files already there when
   * resuming: their first `keptNodes[level]` nodes are the checkpointed ones.
   */
  static inFolder(dir: string, digestSize: number, keptNodes: readonly number[] = []): SpillLevelSink {
    const sink = new SpillLevelSink(dir, digestSize, false);
    for (const [level, nodes] of keptNodes.entries()) {
      sink.#files.push(open(sink.#levelPath(level), nodes > 0 ? 'r+' : 'w+'));
      sink.#lengths.push(nodes * digestSize);
    }
    return sink;
  }

  /** sync flushes every spill file to disk (before a checkpoint refers to them). */
  async sync(): Promise<void> {
    for (const file of this.#files) await (await file).sync();
  }

  #levelPath(level: number): string {
    return path.join(this.#dir, `level-${level}`);
  }

  async writeNodes(level: number, firstIndex: number, nodes: Uint8Array): Promise<void> {
    while (this.#files.length <= level) {
      this.#files.push(open(this.#levelPath(this.#files.length), 'w+'));
      this.#lengths.push(0);
    }
    const position = firstIndex * this.#digestSize;
    await writeFully(await this.#files[level]!, nodes, position, this.#levelPath(level));
    this.#lengths[level] = Math.max(this.#lengths[level]!, position + nodes.length);
  }

  /** publish writes the spilled levels as the tree file `target` (atomically). The spill stays until discarded. */
  async publish(target: string, meta: TreeFileMeta, root: Uint8Array): Promise<void> {
    const writer = await createTreeFileWriter(target, meta);
    try {
      const buffer = new Uint8Array(kCopyBytes - (kCopyBytes % this.#digestSize));
      for (const [level, opening] of this.#files.entries()) {
        const file = await opening;
        for (let at = 0; at < this.#lengths[level]!; at += buffer.length) {
          const chunk = buffer.subarray(0, Math.min(buffer.length, this.#lengths[level]! - at));
          await readFully(file, chunk, at, `spill file of level ${level}`);
          await writer.writeNodes(level, at / this.#digestSize, chunk);
        }
      }
      await writer.commit(root);
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** close closes the spill files and keeps them (a checkpoint may refer to them). */
  async close(): Promise<void> {
    const files = await Promise.allSettled(this.#files);
    await Promise.all(files.map((f) => (f.status === 'fulfilled' ? f.value.close().catch(() => undefined) : undefined)));
  }

  /** discard closes and removes the spill files (and the folder, if it is a temp folder). */
  async discard(): Promise<void> {
    await this.close();
    if (this.#ownsDir) await rm(this.#dir, { recursive: true, force: true });
    else await Promise.all(this.#files.map((_, level) => rm(this.#levelPath(level), { force: true })));
  }
}
