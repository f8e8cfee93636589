/**
 * FileHashing: the files of a directory build, hashed as the walk finds them. Files up to
 * kWorkerFileBytes go to the worker threads in batches (files-worker.ts), each read whole and
 * hashed by one thread, both threads on different files — for small and medium files that beats
 * cutting each into segments, as `b3sum --no-mmap` does on a file list. Larger files are built
 * afterwards, one at a time across all threads, by the file builder. A file's leaf level is kept
 * inline in the index when it has 2 to kMaxInlineLeaves leaves; a larger one is saved as a tree
 * file in objects/ (when the tree is saved).
 */
import { closeSync, existsSync, openSync } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { buildTree } from '../api/build.js';
import { errorFromThread, InputError } from '../errors.js';
import type { BackendChoice } from '../hash/types.js';
import { createTaskPool, type TaskPool } from '../pool/pool.js';
import { writeTreeFile } from '../store/writer.js';
import { buildLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles } from '../tree/profile.js';
import { kFilesWorkerFile, type FileBatchResult, type FileBatchTask } from './file-batch.js';
import type { DirParams } from './params.js';
import { kObjectsDir, objectPath } from './tree-dir.js';
import type { SkippedEntry, WalkedEntry } from './walk.js';

/** Files up to this size are read whole and hashed by one worker thread. */
const kWorkerFileBytes = 64 * 1024 * 1024;
/** Files of up to this many leaves keep them in the index; larger ones get a tree file. */
export const kMaxInlineLeaves = 256;
/** A batch ends at this many files or bytes: enough that a task's own cost vanishes, small enough to keep both threads fed. */
const kBatchFiles = 256;
const kBatchBytes = 4 * 1024 * 1024;

export interface Hashed {
  readonly root: Uint8Array;
  /** The leaf level, when it is kept inline. */
  readonly leaves?: Uint8Array;
}

export interface FileHashingContext {
  readonly dir: string;
  readonly params: DirParams;
  readonly hasher: TreeHasher;
  /** Resolved in the main thread (never `auto`), so every thread hashes alike. */
  readonly backend: BackendChoice;
  readonly threads: number;
  /** The saved tree's directory, where objects go; undefined when nothing is saved. */
  readonly out?: string;
  readonly onHashed: (entry: WalkedEntry) => void;
}

export class FileHashing {
  readonly hashed = new Map<WalkedEntry, Hashed>();
  readonly skipped: SkippedEntry[] = [];
  readonly #context: FileHashingContext;
  readonly #large: WalkedEntry[] = [];
  readonly #running: Promise<void>[] = [];
  #batch: WalkedEntry[] = [];
  #batchBytes = 0;
  #pool: Promise<TaskPool<FileBatchTask, FileBatchResult>> | undefined;

  constructor(context: FileHashingContext) {
    this.#context = context;
  }

  /** add takes a file to hash: queued in a batch, or kept for the file builder. */
  add(entry: WalkedEntry): void {
    if (entry.size > kWorkerFileBytes) {
      this.#large.push(entry);
      return;
    }
    if (this.#batch.length === kBatchFiles || (this.#batch.length > 0 && this.#batchBytes + entry.size > kBatchBytes)) this.#dispatch();
    this.#batch.push(entry);
    this.#batchBytes += entry.size;
  }

  /** finish hashes what is left and resolves when every file is hashed or skipped. */
  async finish(): Promise<void> {
    if (this.#batch.length > 0) this.#dispatch();
    try {
      await Promise.all(this.#running);
    } finally {
      if (this.#pool) await (await this.#pool).release();
    }
    for (const entry of this.#large) this.#settle(entry, await this.#hashLarge(entry));
  }

  #fullPath(entry: WalkedEntry): Buffer {
    return Buffer.concat([Buffer.from(this.#context.dir), Buffer.from('/'), entry.key]);
  }

  #settle(entry: WalkedEntry, result: Hashed | { skipped: string }): void {
    if ('skipped' in result) this.skipped.push({ path: entry.key.toString('utf8'), why: result.skipped });
    else this.hashed.set(entry, result);
    this.#context.onHashed(entry);
  }

  #dispatch(): void {
    const batch = this.#batch;
    this.#batch = [];
    this.#batchBytes = 0;
    const { params, backend, threads } = this.#context;
    this.#pool ??= createTaskPool<FileBatchTask, FileBatchResult>(threads, kFilesWorkerFile, { tasksPerWorker: 2 });
    const task: FileBatchTask = {
      profile: params.profile,
      hash: params.hash,
      backend,
      blockSize: params.blockSize,
      paths: batch.map((e) => this.#fullPath(e)),
      sizes: batch.map((e) => e.size),
      mtimesNs: batch.map((e) => e.mtimeNs),
    };
    this.#running.push(
      (async () => {
        let results: FileBatchResult;
        try {
          results = await (await this.#pool!).run(task);
        } catch (error) {
          throw errorFromThread(error);
        }
        for (const [i, entry] of batch.entries()) {
          const result = results[i]!;
          this.#settle(entry, 'skipped' in result || !result.leaves ? result : await this.#keepLeaves(entry, result.root, result.leaves));
        }
      })(),
    );
  }

  /** keepLeaves keeps a few leaves inline, and saves a larger leaf level's whole tree as an object. */
  async #keepLeaves(entry: WalkedEntry, root: Uint8Array, leaves: Uint8Array): Promise<Hashed> {
    const { hasher, params, out } = this.#context;
    const leafCount = leaves.length / hasher.digestSize;
    if (leafCount <= kMaxInlineLeaves) return { root, leaves };
    if (out !== undefined && !existsSync(objectPath(out, root))) {
      const levels = buildLevels(leaves, leafCount, hasher, kProfiles[params.profile].lone);
      const target = objectPath(out, root);
      await mkdir(path.dirname(target), { recursive: true });
      await writeTreeFile(target, {
        profile: params.profile,
        hash: params.hash,
        digestSize: hasher.digestSize,
        leafMode: 'blocks',
        blockSize: params.blockSize,
        leafCount,
        dataLength: entry.size,
        source: { size: entry.size, mtimeNs: entry.mtimeNs },
      }, levels);
    }
    return { root };
  }

  /** hashLarge builds one file's tree with the file builder, saved as an object when the tree is saved. */
  async #hashLarge(entry: WalkedEntry): Promise<Hashed | { skipped: string }> {
    const { params, out, backend, threads } = this.#context;
    const file = this.#fullPath(entry);
    // Large blocks can leave even a large file with few leaves: those stay inline, as for small files.
    const leafCount = Math.ceil(entry.size / params.blockSize);
    const inline = leafCount <= kMaxInlineLeaves;
    const temp = out === undefined || inline ? undefined : path.join(out, kObjectsDir, `incoming-${process.pid}-${entry.ino}.mtree`);
    // The file builder takes a path as text; a name that is not UTF-8 is reached through its descriptor.
    const named = Buffer.from(file.toString()).equals(file);
    const fd = named ? undefined : openSync(file, 'r');
    let built;
    try {
      built = await buildTree(named ? file.toString() : `/proc/self/fd/${fd}`, {
        profile: params.profile,
        hash: params.hash,
        blockSize: params.blockSize,
        backend,
        threads,
        ...(temp ? { out: temp } : {}),
        ...(inline ? { keepLevels: true } : {}),
      });
    } catch (error) {
      if (temp) await rm(temp, { force: true });
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'ERR_MERKLE_DATA_CHANGED') return { skipped: `changed while it was hashed (${(error as Error).message})` };
      if (error instanceof InputError) return { skipped: `cannot be read (${error.message})` };
      throw error;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    if (built.source && (built.source.size !== entry.size || built.source.mtimeNs !== entry.mtimeNs)) {
      if (temp) await rm(temp, { force: true });
      return { skipped: 'changed between the walk and its hashing' };
    }
    if (temp) {
      const target = objectPath(out!, built.root);
      await mkdir(path.dirname(target), { recursive: true });
      await rename(temp, target);
    }
    return inline && leafCount > 1 ? { root: built.root, leaves: built.levels!.levels[0]! } : { root: built.root };
  }
}
