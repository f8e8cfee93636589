/**
 * Writes that finish the job or leave the old file whole: positioned reads and writes across
 * short transfers and the 2 GiB limit of one fs call, whole-file replacement by rename, and
 * storage failures named by file.
 */
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { StorageError, TreeFileError } from '../errors.js';

const kStorageFailures: Readonly<Record<string, string>> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EFBIG: 'file too large for the file system',
  EROFS: 'read-only file system',
  EIO: 'I/O error',
};

/**
 * namedWriteError turns a failed write, flush or copy of `name` for want of room or a working
 * device into a StorageError naming the file; any other error is returned as it is.
 */
export function namedWriteError(error: unknown, name: string): unknown {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  const reason = code === undefined ? undefined : kStorageFailures[code];
  return reason === undefined ? error : new StorageError(`${name}: cannot write: ${reason} (${code})`, { cause: error });
}

/** withNamedWrites runs `write`, naming `name` in its storage failures (namedWriteError). */
export async function withNamedWrites<T>(name: string, write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw namedWriteError(error, name);
  }
}

/** Largest single positioned write or read: stays below the 2 GiB limit of one fs call. */
const IO_CHUNK_BYTES = 64 * 1024 * 1024;

/** writeFully writes all of `bytes` at `position` of file `name`, in chunks and across short writes. */
export async function writeFully(handle: FileHandle, bytes: Uint8Array, position: number, name: string): Promise<void> {
  await withNamedWrites(name, async () => {
    for (let done = 0; done < bytes.length; ) {
      const length = Math.min(IO_CHUNK_BYTES, bytes.length - done);
      const { bytesWritten } = await handle.write(bytes, done, length, position + done);
      done += bytesWritten;
    }
  });
}

/** What readFully needs of a file: a FileHandle, or a ReadOnlyFile (io/read-only-file.ts). */
export interface PositionalReader {
  read(into: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
}

/** readFully fills `into` from `position`; a short file is ERR_MTREE_TRUNCATED. */
export async function readFully(handle: PositionalReader, into: Uint8Array, position: number, name: string): Promise<void> {
  for (let done = 0; done < into.length; ) {
    const length = Math.min(IO_CHUNK_BYTES, into.length - done);
    const { bytesRead } = await handle.read(into, done, length, position + done);
    if (bytesRead === 0) {
      throw new TreeFileError('ERR_MTREE_TRUNCATED', `${name}: file ends at ${position + done}, reading ${into.length} bytes at ${position}`);
    }
    done += bytesRead;
  }
}

/**
 * syncDirectory makes the rename durable. Some platforms cannot open or fsync a directory
 * (Windows: EISDIR/EPERM); the rename there is as durable as the platform allows.
 */
export async function syncDirectory(directory: string): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await open(directory, 'r');
  } catch (error) {
    if (isUnsupportedDirectorySync(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isUnsupportedDirectorySync(error)) throw error;
  } finally {
    await handle.close();
  }
}

function isUnsupportedDirectorySync(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'EISDIR' || code === 'EPERM' || code === 'EINVAL';
}

/**
 * writeFileAtomically replaces `file` with `bytes`: written to a temp file beside it, flushed,
 * renamed over it, and the rename made durable. A failure leaves the old file as it was and no
 * temp file, and a lack of room or a failing device is a StorageError naming `file`.
 */
export async function writeFileAtomically(file: string, bytes: Uint8Array | string): Promise<void> {
  const temp = `${file}.tmp-${process.pid}`;
  try {
    const handle = await open(temp, 'w');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw namedWriteError(error, file);
  }
  await syncDirectory(path.dirname(file));
}
