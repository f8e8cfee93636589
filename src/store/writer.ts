/**
 * Writing .mtree files atomically. Everything goes to a uniquely named temp file in the target's
 * directory; commit checksums the levels, writes the header, fsyncs, renames over the target and
 * fsyncs the directory. A failure or abort at any point removes the temp file and leaves any
 * previous target untouched: a reader sees the old file or the new one, never a mix.
 */
import { createHash, randomBytes, type Hash } from 'node:crypto';
import { open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { equalBytes } from '../bytes.js';
import { TreeFileError } from '../errors.js';
import type { TreeLevels } from '../tree/build.js';
import { kProfiles, topNodeIsRoot } from '../tree/profile.js';
import { CHECKSUM_NAME, encodeHeader, hex, layoutOf, validateMeta, type Layout, type TreeFileMeta } from './format.js';
import { readFully, syncDirectory, withNamedWrites, writeFully } from './io.js';
import { RangeSet } from './range-set.js';

/** writeTreeFile's unit of work; a multiple of every digest size. */
const WRITE_CHUNK_BYTES = 4 * 1024 * 1024;
const WRITE_AHEAD_CHUNKS = 4;
/** Buffer size for re-reading levels that were not written in order. */
const REREAD_CHUNK_BYTES = 4 * 1024 * 1024;

export interface TreeFileWriterOptions {
  /** Aborting the signal aborts the write: the temp file is removed, the target untouched. */
  readonly signal?: AbortSignal;
}

/**
 * TreeFileWriter fills a tree file whose level sizes are fixed by the leaf count, in any order.
 * Functions return Promises and never throw synchronously.
 */
export interface TreeFileWriter {
  /** Path of the temp file being written (removed on commit, abort or failure). */
  readonly tempPath: string;
  /**
   * writeNodes writes `bytes` (whole nodes) as nodes firstIndex, firstIndex+1, ... of `level`.
   * Writes may be concurrent and in any order. `bytes` must not change until the promise settles.
   * Requires 0 <= level < levelCount and firstIndex + bytes.length / digestSize <= the level's node count.
   */
  writeNodes(level: number, firstIndex: number, bytes: Uint8Array): Promise<void>;
  /**
   * commit waits for pending writes, checks every node was written and the top node equals
   * `root`, then publishes the file atomically. On failure the temp file is removed. If only
   * the final directory fsync fails, the file is in place and commit still rejects.
   */
  commit(root: Uint8Array): Promise<void>;
  /** abort waits for pending writes and removes the temp file. Idempotent until commit. */
  abort(): Promise<void>;
}

type WriterState = 'open' | 'committing' | 'committed' | 'closed';

/** Per level: what was written, and a running checksum while writes arrive in index order. */
interface LevelProgress {
  readonly written: RangeSet;
  hash: Hash;
  /** Nodes [0, hashedEnd) are in `hash`. */
  hashedEnd: number;
}

/** createTreeFileWriter opens a temp file next to `path` for a tree described by `meta`. */
export async function createTreeFileWriter(
  path: string,
  meta: TreeFileMeta,
  options: TreeFileWriterOptions = {},
): Promise<TreeFileWriter> {
  validateMeta(meta);
  if (typeof path !== 'string' || path.length === 0) {
    throw new TypeError(`Expected a non-empty string for path but received ${String(path)} of type ${typeof path}`);
  }
  options.signal?.throwIfAborted();
  const tempPath = join(dirname(path), `.${basename(path)}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
  // 'wx+': read-write (commit reads levels back) and O_EXCL, so two writers never share a temp file.
  const handle = await open(tempPath, 'wx+');
  // No pre-sizing: positioned writes past the end extend the file, and commit requires every
  // node written, so the file reaches its full length exactly when it is complete.
  const layout = layoutOf(meta.leafCount, meta.digestSize);
  return new PositionedWriter(path, tempPath, handle, meta, layout, options.signal);
}

class PositionedWriter implements TreeFileWriter {
  private state: WriterState = 'open';
  private failure: unknown;
  private readonly pending = new Set<Promise<void>>();
  private readonly progress: LevelProgress[];
  private cleanup: Promise<void> | undefined;

  constructor(
    private readonly path: string,
    readonly tempPath: string,
    private readonly handle: FileHandle,
    private readonly meta: TreeFileMeta,
    private readonly layout: Layout,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.progress = layout.levels.map(() => ({ written: new RangeSet(), hash: createHash(CHECKSUM_NAME), hashedEnd: 0 }));
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  /** An abort that arrives while committing is ignored: the commit decides the outcome. */
  private readonly onAbort = (): void => void this.abort().catch(() => undefined);

  private release(): void {
    this.signal?.removeEventListener('abort', this.onAbort);
  }

  async writeNodes(level: number, firstIndex: number, bytes: Uint8Array): Promise<void> {
    this.requireOpen('writeNodes');
    const { digestSize } = this.meta;
    const entry = this.layout.levels[level];
    if (!Number.isInteger(level) || !entry) {
      throw new RangeError(`level must be an integer in [0, ${this.layout.levels.length}); got ${level}`);
    }
    if (!(bytes instanceof Uint8Array) || bytes.length % digestSize !== 0) {
      throw new RangeError(`bytes must be a Uint8Array of whole ${digestSize}-byte nodes; got ${describe(bytes)}`);
    }
    const count = bytes.length / digestSize;
    if (!Number.isSafeInteger(firstIndex) || firstIndex < 0 || firstIndex + count > entry.nodeCount) {
      throw new RangeError(`nodes [${firstIndex}, ${firstIndex + count}) are outside level ${level} of ${entry.nodeCount} nodes`);
    }
    this.track(level, firstIndex, bytes);
    const write = writeFully(this.handle, bytes, entry.offset + firstIndex * digestSize, this.path);
    this.pending.add(write);
    try {
      await write;
    } catch (error) {
      // The first failure ends the writer: later calls report it, and the temp file goes.
      this.failure ??= error;
      this.state = 'closed';
      // A cleanup failure is not lost: abort() and commit() await the same promise and rethrow it.
      void this.removeTemp().catch(() => undefined);
      throw error;
    } finally {
      this.pending.delete(write);
    }
  }

  async commit(root: Uint8Array): Promise<void> {
    this.requireOpen('commit');
    if (!(root instanceof Uint8Array) || root.length !== this.meta.digestSize) {
      throw new RangeError(`root must be a Uint8Array of ${this.meta.digestSize} bytes; got ${describe(root)}`);
    }
    this.state = 'committing';
    try {
      await this.settlePending();
      if (this.failure !== undefined) throw this.failure;
      this.requireComplete();
      const checksums = await this.finishChecksums();
      await this.requireTopIsRoot(root);
      const header = encodeHeader(this.meta, root, checksums);
      await writeFully(this.handle, header, 0, this.path);
      await withNamedWrites(this.path, () => this.handle.sync());
      await this.handle.close();
      await rename(this.tempPath, this.path);
    } catch (error) {
      this.state = 'closed';
      await this.removeTemp();
      throw error;
    }
    this.state = 'committed';
    this.release();
    await syncDirectory(dirname(this.path));
  }

  async abort(): Promise<void> {
    if (this.state === 'committing' || this.state === 'committed') {
      throw new TreeFileError('ERR_MTREE_WRITER_STATE', `cannot abort ${this.path}: already ${this.state}`);
    }
    this.state = 'closed';
    await this.removeTemp();
  }

  private requireOpen(operation: string): void {
    if (this.state !== 'open') {
      const why = this.failure !== undefined ? 'a write failed' : `the writer is ${this.state}`;
      throw new TreeFileError('ERR_MTREE_WRITER_STATE', `${operation} on ${this.path}: ${why}`, { cause: this.failure });
    }
  }

  /** track records a write and feeds the running checksum when it continues the hashed prefix. */
  private track(level: number, firstIndex: number, bytes: Uint8Array): void {
    const p = this.progress[level]!;
    const count = bytes.length / this.meta.digestSize;
    p.written.add(firstIndex, firstIndex + count);
    if (firstIndex === p.hashedEnd) {
      p.hash.update(bytes);
      p.hashedEnd += count;
    } else if (firstIndex < p.hashedEnd) {
      // Overwrites part of what was hashed: start over from the file at commit.
      p.hash = createHash(CHECKSUM_NAME);
      p.hashedEnd = 0;
    }
  }

  private requireComplete(): void {
    this.layout.levels.forEach((entry, level) => {
      const gap = this.progress[level]!.written.firstGap(entry.nodeCount);
      if (gap >= 0) {
        throw new TreeFileError('ERR_MTREE_INCOMPLETE', `${this.path}: node ${gap} of level ${level} (of ${entry.nodeCount}) was never written`);
      }
    });
  }

  /** finishChecksums completes each level's checksum, reading back what arrived out of order. */
  private async finishChecksums(): Promise<Uint8Array[]> {
    const d = this.meta.digestSize;
    const buffer = Buffer.allocUnsafe(REREAD_CHUNK_BYTES - (REREAD_CHUNK_BYTES % d));
    const sums: Uint8Array[] = [];
    for (const [level, entry] of this.layout.levels.entries()) {
      const p = this.progress[level]!;
      const end = entry.offset + entry.nodeCount * d;
      for (let at = entry.offset + p.hashedEnd * d; at < end; ) {
        const length = Math.min(buffer.length, end - at);
        await readFully(this.handle, buffer.subarray(0, length), at, this.tempPath);
        p.hash.update(buffer.subarray(0, length));
        at += length;
      }
      sums.push(p.hash.digest());
    }
    return sums;
  }

  /**
   * requireTopIsRoot checks the top level's single node against `root`, where the profile
   * stores its root as that node (see Profile.rootFlagged).
   */
  private async requireTopIsRoot(root: Uint8Array): Promise<void> {
    const top = this.layout.levels[this.layout.levels.length - 1];
    if (!top || !topNodeIsRoot(kProfiles[this.meta.profile], this.meta.leafCount)) return;
    const node = new Uint8Array(this.meta.digestSize);
    await readFully(this.handle, node, top.offset, this.tempPath);
    if (!equalBytes(node, root)) {
      throw new TreeFileError('ERR_MTREE_ROOT', `${this.path}: top level node ${hex(node)} differs from root ${hex(root)}`);
    }
  }

  private async settlePending(): Promise<void> {
    while (this.pending.size > 0) await Promise.allSettled([...this.pending]);
  }

  /** removeTemp closes and deletes the temp file once, after in-flight writes settle. */
  private removeTemp(): Promise<void> {
    this.cleanup ??= (async () => {
      await this.settlePending();
      await this.handle.close().catch(() => undefined); // may already be closed by commit
      await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
      this.release();
    })();
    return this.cleanup;
  }
}

/**
 * writeTreeFile writes a whole in-memory tree to `path` atomically.
 * Requires tree.size === meta.leafCount and tree.digestSize === meta.digestSize.
 */
export async function writeTreeFile(
  path: string,
  meta: TreeFileMeta,
  tree: TreeLevels,
  options: TreeFileWriterOptions = {},
): Promise<void> {
  validateMeta(meta);
  validateTree(tree, meta);
  const writer = await createTreeFileWriter(path, meta, options);
  const inFlight: Promise<void>[] = [];
  try {
    // In index order, so the running checksums cover everything and nothing is read back.
    // Chunks are issued without waiting: hashing chunk i+1 on this thread overlaps the write of
    // chunk i in libuv's pool. At most WRITE_AHEAD_CHUNKS are in flight.
    for (const [level, nodes] of tree.levels.entries()) {
      for (let begin = 0; begin < nodes.length; begin += WRITE_CHUNK_BYTES) {
        options.signal?.throwIfAborted();
        const chunk = nodes.subarray(begin, begin + WRITE_CHUNK_BYTES);
        const write = writer.writeNodes(level, begin / meta.digestSize, chunk);
        // Marked handled now: it may fail while an earlier write is awaited. Its error still
        // reaches us through the await below (or the first failure already has).
        write.catch(() => undefined);
        inFlight.push(write);
        if (inFlight.length >= WRITE_AHEAD_CHUNKS) await inFlight.shift();
      }
    }
    await Promise.all(inFlight);
    options.signal?.throwIfAborted();
  } catch (error) {
    await Promise.allSettled(inFlight);
    await writer.abort();
    throw error;
  }
  await writer.commit(tree.root);
}

function validateTree(tree: TreeLevels, meta: TreeFileMeta): void {
  if (typeof tree !== 'object' || tree === null || !Array.isArray(tree.levels)) {
    throw new TypeError(`Expected TreeLevels for tree but received ${String(tree)} of type ${typeof tree}`);
  }
  if (tree.size !== meta.leafCount) throw new RangeError(`tree.size must equal meta.leafCount ${meta.leafCount}; got ${tree.size}`);
  if (tree.digestSize !== meta.digestSize) {
    throw new RangeError(`tree.digestSize must equal meta.digestSize ${meta.digestSize}; got ${tree.digestSize}`);
  }
  const layout = layoutOf(meta.leafCount, meta.digestSize);
  if (tree.levels.length !== layout.levels.length) {
    throw new RangeError(`tree.levels must hold ${layout.levels.length} levels for ${meta.leafCount} leaves; got ${tree.levels.length}`);
  }
  layout.levels.forEach((entry, level) => {
    const bytes = tree.levels[level];
    if (!(bytes instanceof Uint8Array) || bytes.length !== entry.nodeCount * meta.digestSize) {
      throw new RangeError(`tree.levels[${level}] must be ${entry.nodeCount * meta.digestSize} bytes; got ${describe(bytes)}`);
    }
  });
}

function describe(value: unknown): string {
  if (value instanceof Uint8Array) return `${value.length} bytes`;
  return `${String(value)} of type ${typeof value}`;
}
