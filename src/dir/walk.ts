/**
 * Walking a directory into the entries of its tree: every file, symlink (by its target string,
 * never followed) and empty directory below it, hidden ones included, keyed by the relative
 * path's bytes (`/`-separated, as the file system stores names: not re-encoded) and sorted by
 * them. Special files (devices, sockets, FIFOs), excluded paths and entries that cannot be
 * recorded are left out, and each is reported with the reason.
 */
import { lstatSync, readdirSync, readlinkSync, type BigIntStats } from 'node:fs';
import { InputError } from '../errors.js';
import { kMaxKeyBytes } from '../keyed/encoding.js';
import type { Excluder } from './exclude.js';
import type { EntryType } from './record.js';

/** What the walk saw of an entry: enough to hash it, to reuse an unchanged one, and to record it. */
export interface WalkedEntry {
  readonly key: Buffer;
  readonly type: EntryType;
  readonly size: number;
  readonly mode: number;
  readonly mtimeNs: bigint;
  readonly ctimeNs: bigint;
  readonly ino: bigint;
  readonly target?: Buffer;
}

export interface SkippedEntry {
  /** The relative path, as text (undecodable bytes replaced). */
  readonly path: string;
  readonly why: string;
}

export interface WalkResult {
  readonly entries: WalkedEntry[];
  readonly skipped: SkippedEntry[];
}

const kSlash = Buffer.from('/');

function walkedOf(key: Buffer, type: EntryType, stats: BigIntStats, target?: Buffer): WalkedEntry {
  return {
    key,
    type,
    size: type === 'file' ? Number(stats.size) : type === 'symlink' ? target!.length : 0,
    mode: Number(stats.mode & 0o7777n),
    mtimeNs: stats.mtimeNs,
    ctimeNs: stats.ctimeNs,
    ino: stats.ino,
    ...(target ? { target } : {}),
  };
}

/**
 * walkDirectory lists the entries below `root`. Throws InputError when `root` is not a readable
 * directory; everything below it that cannot be read is skipped and reported. `onFile` sees
 * each file as it is found, and the walk lets the event loop run after every directory, so a
 * caller can start hashing while the walk goes on.
 */
export async function walkDirectory(root: string, exclude?: Excluder, onFile?: (entry: WalkedEntry) => void): Promise<WalkResult> {
  let rootStats: BigIntStats;
  try {
    rootStats = lstatSync(root, { bigint: true });
    if (rootStats.isSymbolicLink()) rootStats = lstatSync(`${root}/.`, { bigint: true });
  } catch (error) {
    throw new InputError(`${root}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  if (!rootStats.isDirectory()) throw new InputError(`${root} is not a directory`);
  const entries: WalkedEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const rootBytes = Buffer.from(root);
  const skip = (key: Buffer, why: string) => skipped.push({ path: key.toString('utf8'), why });
  const failure = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

  /** visit walks one directory; resolves to whether anything below it was recorded. */
  const visit = async (key: Buffer | undefined): Promise<boolean> => {
    const full = key ? Buffer.concat([rootBytes, kSlash, key]) : rootBytes;
    let names;
    try {
      names = readdirSync(full, { encoding: 'buffer', withFileTypes: true });
    } catch (error) {
      if (key) skip(key, `cannot list the directory (${failure(error)})`);
      else throw new InputError(`${root}: cannot list the directory (${failure(error)})`, { cause: error });
      return true; // not recorded as empty: its contents are unknown
    }
    await new Promise((resolve) => setImmediate(resolve));
    let recorded = false;
    for (const dirent of names) {
      const name = dirent.name as unknown as Buffer;
      const childKey = key ? Buffer.concat([key, kSlash, name]) : Buffer.from(name);
      if (exclude?.(childKey.toString('utf8'), name.toString('utf8'))) continue;
      if (childKey.length > kMaxKeyBytes) {
        skip(childKey, `its path is ${childKey.length} bytes, more than ${kMaxKeyBytes}`);
        continue;
      }
      const childFull = Buffer.concat([full, kSlash, name]);
      let stats: BigIntStats;
      try {
        stats = lstatSync(childFull, { bigint: true });
      } catch (error) {
        skip(childKey, `vanished or unreadable during the walk (${failure(error)})`);
        continue;
      }
      if (stats.isDirectory()) {
        if (!(await visit(childKey))) entries.push(walkedOf(childKey, 'directory', stats));
        recorded = true;
      } else if (stats.isFile()) {
        const entry = walkedOf(childKey, 'file', stats);
        entries.push(entry);
        onFile?.(entry);
        recorded = true;
      } else if (stats.isSymbolicLink()) {
        try {
          entries.push(walkedOf(childKey, 'symlink', stats, readlinkSync(childFull, { encoding: 'buffer' })));
          recorded = true;
        } catch (error) {
          skip(childKey, `cannot read the symlink (${failure(error)})`);
        }
      } else {
        skip(childKey, 'a special file (device, socket or FIFO)');
      }
    }
    return recorded;
  };
  await visit(undefined);
  entries.sort((a, b) => Buffer.compare(a.key, b.key));
  return { entries, skipped };
}
