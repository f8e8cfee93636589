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
  readonly #files: Array<Promise<FileHandle>> = [];
  readonly #lengths: number[] = [];

  private constructor(dir: string, digestSize: number) {
    this.#dir = dir;
    this.#digestSize = digestSize;
  }

  /** create makes the spill folder next to `target` (same file system, so no cross-device copy). */
  static async create(target: string, digestSize: number): Promise<SpillLevelSink> {
    const dir = await mkdtemp(path.join(path.dirname(target), `.${path.basename(target)}.spill-`));
    return new SpillLevelSink(dir, digestSize);
  }

  async writeNodes(level: number, firstIndex: number, nodes: Uint8Array): Promise<void> {
    while (this.#files.length <= level) {
      this.#files.push(open(path.join(this.#dir, `level-${this.#files.length}`), 'w+'));
      this.#lengths.push(0);
    }
    const position = firstIndex * this.#digestSize;
    await writeFully(await this.#files[level]!, nodes, position);
    this.#lengths[level] = Math.max(this.#lengths[level]!, position + nodes.length);
  }

  /** publish writes the spilled levels as the tree file `target` (atomically) and removes the spill. */
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
    } finally {
      await this.discard();
    }
  }

  /** discard closes and removes the spill files. */
  async discard(): Promise<void> {
    const files = await Promise.allSettled(this.#files);
    await Promise.all(files.map((f) => (f.status === 'fulfilled' ? f.value.close().catch(() => undefined) : undefined)));
    await rm(this.#dir, { recursive: true, force: true });
  }
}
