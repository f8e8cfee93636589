/**
 * Crash-safe patching: the local file is never written in place. Verified blocks go into a copy
 * beside it (same directory, so the same file system), the copy is cut to the new length and
 * flushed, and only then renamed over the original. A crash at any point leaves the old file
 * (plus at worst a stray temp file) or the new one: never a mix.
 */
import { constants } from 'node:fs';
import { copyFile, open, readdir, rename, unlink, type FileHandle } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { namedWriteError, withNamedWrites, writeFully } from '../store/io.js';

export class PatchedCopy {
  private constructor(
    readonly target: string,
    readonly tempPath: string,
    private handle: FileHandle | undefined,
  ) {}

  /**
   * removeStaleCopies deletes copies of `target` left by sync processes that died (SIGKILL,
   * power loss) before they could clean up: those whose process id no longer runs.
   */
  static async removeStaleCopies(target: string): Promise<string[]> {
    const dir = path.dirname(target);
    const prefix = `.${path.basename(target)}.sync-`;
    const removed: string[] = [];
    for (const name of await readdir(dir)) {
      const match = name.startsWith(prefix) && /^(\d+)-[0-9a-f]{8}\.tmp$/.exec(name.slice(prefix.length));
      if (!match || processRuns(Number(match[1]))) continue;
      await unlink(path.join(dir, name)).catch(() => undefined);
      removed.push(name);
    }
    return removed;
  }

  /** create copies `target` (or starts empty when it does not exist) to a temp file beside it. */
  static async create(target: string, targetExists: boolean): Promise<PatchedCopy> {
    const tempPath = path.join(path.dirname(target), `.${path.basename(target)}.sync-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    try {
      // A reflink where the file system can (no bytes copied), else a plain copy.
      if (targetExists) await copyFile(target, tempPath, constants.COPYFILE_FICLONE);
      const handle = await open(tempPath, targetExists ? 'r+' : 'wx');
      return new PatchedCopy(target, tempPath, handle);
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw namedWriteError(error, target);
    }
  }

  /** write puts `bytes` at `position` of the copy. */
  async write(bytes: Uint8Array, position: number): Promise<void> {
    await writeFully(this.handle!, bytes, position, this.target);
  }

  /**
   * commit cuts the copy to `length` bytes, flushes it, runs `beforeRename` (a test seam for
   * crashes), renames it over the target and flushes the directory entry.
   */
  async commit(length: number, beforeRename?: (tempPath: string) => void | Promise<void>): Promise<void> {
    const handle = this.handle!;
    await withNamedWrites(this.target, async () => {
      await handle.truncate(length);
      await handle.sync();
    });
    await handle.close();
    this.handle = undefined;
    await beforeRename?.(this.tempPath);
    await rename(this.tempPath, this.target);
    const dir = await open(path.dirname(this.target), 'r');
    try {
      await dir.sync();
    } finally {
      await dir.close();
    }
  }

  /** discard removes the copy; the target is untouched. */
  async discard(): Promise<void> {
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await unlink(this.tempPath).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/** processRuns tells whether a process with this id exists (signal 0 checks without sending). */
function processRuns(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
