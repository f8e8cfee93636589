/**
 * Reading .mtree files with positioned reads. Opening reads and checks the 4 KiB header only,
 * so it costs the same for any tree size; `verify()` streams every level through its checksum.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { equalBytes } from '../bytes.js';
import { TreeFileError } from '../errors.js';
import { kProfiles, topNodeIsRoot } from '../tree/profile.js';
import { CHECKSUM_NAME, HEADER_SIZE, decodeHeader, hex, type TreeFileHeader } from './format.js';
import { readFully } from './io.js';

/** Bytes per read while verifying: memory stays bounded whatever the level size. */
const VERIFY_CHUNK_BYTES = 4 * 1024 * 1024;

export interface OpenTreeFileOptions {
  /** Check every level's checksum and the root before resolving (reads the whole file). */
  readonly verify?: boolean;
}

/** TreeFileReader answers node requests from an open tree file. Close it when done. */
export interface TreeFileReader {
  readonly path: string;
  /** Every header field. */
  readonly meta: TreeFileHeader;
  readonly root: Uint8Array;
  /** getNode returns node `index` of `level`. Requires 0 <= level < levelCount and 0 <= index < the level's node count. */
  getNode(level: number, index: number): Promise<Uint8Array>;
  /** getNodes returns nodes [begin, end) of `level`, back to back, in one positioned read. Requires begin <= end <= node count. */
  getNodes(level: number, begin: number, end: number): Promise<Uint8Array>;
  /**
   * verify checks every level section against its checksum (ERR_MTREE_CHECKSUM naming the level)
   * and the top level's node against the root (ERR_MTREE_ROOT).
   */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** openTreeFile opens `path` and checks its header; with `verify`, every level as well. */
export async function openTreeFile(path: string, options: OpenTreeFileOptions = {}): Promise<TreeFileReader> {
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`Expected a non-empty string for path but received ${String(path)} of type ${typeof path}`);
  }
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    const prefix = new Uint8Array(Math.min(size, HEADER_SIZE));
    await readFully(handle, prefix, 0, path);
    const reader = new PositionedReader(path, handle, decodeHeader(prefix, size, path));
    if (options.verify) await reader.verify();
    return reader;
  } catch (error) {
    await handle.close();
    throw error;
  }
}

class PositionedReader implements TreeFileReader {
  readonly root: Uint8Array;
  private closed = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    readonly meta: TreeFileHeader,
  ) {
    this.root = meta.root;
  }

  async getNode(level: number, index: number): Promise<Uint8Array> {
    this.requireLevel(level);
    const nodeCount = this.meta.levels[level]!.nodeCount;
    if (!Number.isSafeInteger(index) || index < 0 || index >= nodeCount) {
      throw new RangeError(`index must be an integer in [0, ${nodeCount}) at level ${level}; got ${index}`);
    }
    return this.getNodes(level, index, index + 1);
  }

  async getNodes(level: number, begin: number, end: number): Promise<Uint8Array> {
    this.requireOpen();
    this.requireLevel(level);
    const { offset, nodeCount } = this.meta.levels[level]!;
    if (!Number.isSafeInteger(begin) || !Number.isSafeInteger(end) || begin < 0 || begin > end || end > nodeCount) {
      throw new RangeError(`[begin, end) must satisfy 0 <= begin <= end <= ${nodeCount} at level ${level}; got [${begin}, ${end})`);
    }
    const d = this.meta.digestSize;
    const nodes = new Uint8Array((end - begin) * d);
    await readFully(this.handle, nodes, offset + begin * d, this.path);
    return nodes;
  }

  async verify(): Promise<void> {
    this.requireOpen();
    const d = this.meta.digestSize;
    const buffer = Buffer.allocUnsafe(VERIFY_CHUNK_BYTES - (VERIFY_CHUNK_BYTES % d));
    for (const [level, entry] of this.meta.levels.entries()) {
      const hash = createHash(CHECKSUM_NAME);
      const end = entry.offset + entry.nodeCount * d;
      for (let at = entry.offset; at < end; ) {
        const chunk = buffer.subarray(0, Math.min(buffer.length, end - at));
        await readFully(this.handle, chunk, at, this.path);
        hash.update(chunk);
        at += chunk.length;
      }
      const actual = hash.digest();
      if (!equalBytes(actual, entry.checksum)) {
        throw new TreeFileError(
          'ERR_MTREE_CHECKSUM',
          `${this.path}: level ${level} checksum mismatch: calculated ${hex(actual)}, want ${hex(entry.checksum)}`,
        );
      }
    }
    const { levelCount, profile, leafCount } = this.meta;
    if (levelCount === 0 || !topNodeIsRoot(kProfiles[profile], leafCount)) return;
    const top = await this.getNode(levelCount - 1, 0);
    if (!equalBytes(top, this.root)) {
      throw new TreeFileError('ERR_MTREE_ROOT', `${this.path}: top level node ${hex(top)} differs from root ${hex(this.root)}`);
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close();
  }

  private requireOpen(): void {
    if (this.closed) throw new TreeFileError('ERR_MTREE_CLOSED', `${this.path}: reader is closed`);
  }

  private requireLevel(level: number): void {
    if (!Number.isInteger(level) || level < 0 || level >= this.meta.levelCount) {
      throw new RangeError(`level must be an integer in [0, ${this.meta.levelCount}); got ${level}`);
    }
  }
}
