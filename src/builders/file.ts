/**
 * Builds from a file in `blocks` mode on the calling thread, reading in large chunks into one
 * reused buffer (the parallel builder uses it for files of one segment or less). The file's
 * size and mtime are checked before and after: a file that changes under the build fails it
 * rather than yielding a root of bytes that never existed together.
 */
import { DataChangedError, InputError } from '../errors.js';
import { openReadOnly, type ReadOnlyFile } from '../io/read-only-file.js';
import type { SourceIdentity } from '../store/format.js';
import type { TreeLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule } from '../tree/profile.js';
import { BlockLeafHasher } from './block-leaves.js';
import { treeFromBlockLeaves } from './memory.js';

const kReadBytes = 4 * 1024 * 1024;

export type { SourceIdentity };

/** treeFromFile builds the block tree of the file at `path`. */
export async function treeFromFile(
  path: string,
  blockSize: number,
  hasher: TreeHasher,
  lone: LoneNodeRule,
  signal?: AbortSignal,
): Promise<{ tree: TreeLevels; bytes: number; source: SourceIdentity }> {
  const file = await openForReading(path);
  try {
    const before = await file.stat();
    if (!before.isFile()) throw new InputError(`${path}: not a regular file`);
    const fileSize = Number(before.size);
    const leafHasher = new BlockLeafHasher(hasher, blockSize, fileSize);
    const buffer = new Uint8Array(Math.min(kReadBytes, Math.max(fileSize, 1)));
    let position = 0;
    for (;;) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      leafHasher.update(buffer.subarray(0, bytesRead));
      position += bytesRead;
    }
    const after = await file.stat();
    if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || position !== fileSize) {
      throw new DataChangedError(`${path}: data changed during build (size ${before.size} → ${after.size}, read ${position} bytes)`);
    }
    return {
      tree: treeFromBlockLeaves(leafHasher, hasher, lone),
      bytes: position,
      source: { size: fileSize, mtimeNs: before.mtimeNs },
    };
  } finally {
    await file.close();
  }
}

/** openForReading opens `path`, turning "no such file" and friends into an InputError naming it. */
export async function openForReading(path: string): Promise<ReadOnlyFile> {
  try {
    return await openReadOnly(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new InputError(`${path}: cannot open (${reason})`, { cause: error });
  }
}
