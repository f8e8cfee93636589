/**
 * File-batch worker (runs in a worker thread; bundled into dist/dir/files-worker.cjs): hashes a
 * batch of small files, each read whole into one reused buffer and built as `merkle build FILE`
 * would. Batches exist because a small file's own cost — open, stat, read, close, a root — is
 * microseconds, and a task per file would spend more on messages than on hashing.
 *
 * A file is checked against what the walk saw when opened, and again after it was read (size,
 * mtime, ctime): a file written to meanwhile is reported as skipped, with the reason, never
 * recorded; so is one that cannot be opened.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { treeFromBytes } from '../builders/memory.js';
import { taskHasher } from '../builders/segment-hash.js';
import { errorForThread } from '../errors.js';
import { kProfiles } from '../tree/profile.js';
import type { FileBatchResult, FileBatchTask } from './file-batch.js';

let buffer = new Uint8Array(0);

export default async function hashFileBatch(task: FileBatchTask): Promise<FileBatchResult> {
  try {
    const hasher = await taskHasher(task);
    const lone = kProfiles[task.profile].lone;
    return task.paths.map((file, i) => {
      let fd: number;
      try {
        fd = openSync(Buffer.from(file.buffer, file.byteOffset, file.byteLength), 'r');
      } catch (error) {
        return { skipped: `cannot be opened (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
      }
      try {
        const before = fstatSync(fd, { bigint: true });
        if (Number(before.size) !== task.sizes[i] || before.mtimeNs !== task.mtimesNs[i]) return { skipped: 'changed between the walk and its hashing' };
        const size = task.sizes[i]!;
        if (buffer.length < size) buffer = new Uint8Array(Math.max(size, 2 * buffer.length));
        let got = 0;
        while (got < size) {
          const n = readSync(fd, buffer, got, size - got, got);
          if (n === 0) return { skipped: `shrank while it was read (${got} of ${size} bytes)` };
          got += n;
        }
        const after = fstatSync(fd, { bigint: true });
        if (after.size !== before.size || after.mtimeNs !== before.mtimeNs || after.ctimeNs !== before.ctimeNs) return { skipped: 'changed while it was read' };
        const data = buffer.subarray(0, size);
        // A one-block file's root is all it needs: where the root is not the leaf (b3tree's ROOT
        // flag), computing the leaf too would hash the file twice.
        if (size > 0 && size <= task.blockSize && hasher.rootOfSingleLeaf) return { root: hasher.rootOfSingleLeaf(data).slice() };
        const tree = treeFromBytes(data, task.blockSize, hasher, lone);
        return tree.size > 1 ? { root: tree.root.slice(), leaves: tree.levels[0]!.slice() } : { root: tree.root.slice() };
      } finally {
        closeSync(fd);
      }
    });
  } catch (error) {
    throw errorForThread(error);
  }
}
