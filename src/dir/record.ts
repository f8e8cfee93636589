/**
 * An entry of a directory tree and its record: the canonical bytes whose digest is the entry's
 * value in the keyed tree (docs/directory.md has the layout). A record holds what the tree
 * vouches for — type, size, the file's own root, the symlink's target, and, when the tree says
 * so, mode and mtime — and nothing local such as inode numbers.
 */
import { InputError } from '../errors.js';
import type { DirParams } from './params.js';

export type EntryType = 'file' | 'symlink' | 'directory';

export interface DirEntryFields {
  readonly type: EntryType;
  /** File: its length in bytes; symlink: the target's length; directory: 0. */
  readonly size: number;
  /** File: its root under the tree's profile, hash and block size (what `merkle build FILE` prints). */
  readonly root?: Uint8Array;
  /** Symlink: its target, as bytes, never followed. */
  readonly target?: Uint8Array;
  /** Permission bits (07777), when the tree records modes. */
  readonly mode?: number;
  /** Modification time, ns since the epoch, when the tree records mtimes. */
  readonly mtimeNs?: bigint;
}

const kTypeCodes: Readonly<Record<EntryType, number>> = { file: 1, symlink: 2, directory: 3 };
const kTypesByCode: readonly (EntryType | undefined)[] = [undefined, 'file', 'symlink', 'directory'];

/** encodeRecord lays out an entry's record under `params`. */
export function encodeRecord(entry: DirEntryFields, params: DirParams, digestSize: number): Uint8Array {
  const body = entry.type === 'file' ? 8 + digestSize : entry.type === 'symlink' ? 4 + entry.size : 0;
  const withMode = params.modes && entry.type !== 'symlink';
  const out = new Uint8Array(1 + body + (withMode ? 4 : 0) + (params.mtimes ? 8 : 0));
  const view = new DataView(out.buffer);
  out[0] = kTypeCodes[entry.type];
  let at = 1;
  if (entry.type === 'file') {
    view.setBigUint64(at, BigInt(entry.size));
    out.set(entry.root!, at + 8);
  } else if (entry.type === 'symlink') {
    view.setUint32(at, entry.size);
    out.set(entry.target!, at + 4);
  }
  at += body;
  if (withMode) {
    view.setUint32(at, entry.mode! & 0o7777);
    at += 4;
  }
  if (params.mtimes) view.setBigInt64(at, entry.mtimeNs!);
  return out;
}

/** decodeRecord reads a record back (from a tree index, already checksummed); `where` names it in errors. */
export function decodeRecord(record: Uint8Array, params: DirParams, digestSize: number, where: string): DirEntryFields {
  const view = new DataView(record.buffer, record.byteOffset, record.byteLength);
  const type = kTypesByCode[record[0] ?? 0];
  const bad = (what: string) => new InputError(`${where}: ${what}`);
  if (!type) throw bad(`unknown entry type ${record[0]}`);
  let at = 1;
  let fields: { type: EntryType; size: number; root?: Uint8Array; target?: Uint8Array } = { type, size: 0 };
  if (type === 'file') {
    if (record.length < at + 8 + digestSize) throw bad('file record is cut short');
    fields = { type, size: Number(view.getBigUint64(at)), root: record.slice(at + 8, at + 8 + digestSize) };
    at += 8 + digestSize;
  } else if (type === 'symlink') {
    const length = record.length >= at + 4 ? view.getUint32(at) : -1;
    if (length < 0 || record.length < at + 4 + length) throw bad('symlink record is cut short');
    fields = { type, size: length, target: record.slice(at + 4, at + 4 + length) };
    at += 4 + length;
  }
  const withMode = params.modes && type !== 'symlink';
  const want = at + (withMode ? 4 : 0) + (params.mtimes ? 8 : 0);
  if (record.length !== want) throw bad(`record is ${record.length} bytes, want ${want}`);
  const mode = withMode ? view.getUint32(at) : undefined;
  const mtimeNs = params.mtimes ? view.getBigInt64(at + (withMode ? 4 : 0)) : undefined;
  return { ...fields, ...(mode !== undefined ? { mode } : {}), ...(mtimeNs !== undefined ? { mtimeNs } : {}) };
}
