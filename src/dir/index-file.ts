/**
 * The index of a directory tree (DIR.tree/index): the tree's parameters and root, and every
 * entry in key order with its record, the local facts a rescan compares (inode, ctime, mtime)
 * and, for files of a few blocks, their leaf hashes (larger files' levels are tree files in
 * DIR.tree/objects). One file, replaced atomically; a SHA-256 of everything before it ends it,
 * and every field is checked on reading, so a damaged index is an error naming the offset.
 *
 *   "MDIRIDX1" ‖ u32 header length ‖ header JSON ‖ entries ‖ SHA-256 of the preceding bytes
 *   entry: u16 key length ‖ key ‖ u16 record length ‖ record ‖ u64 inode ‖ i64 ctime ns ‖
 *          i64 mtime ns ‖ u32 leaf count ‖ leaf hashes (count × digest size)
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { InputError } from '../errors.js';
import { kHashInfo } from '../hash/types.js';
import { writeFileAtomically } from '../store/io.js';
import { checkDirParams, type DirParams } from './params.js';
import { decodeRecord, type DirEntryFields } from './record.js';

const kMagic = Buffer.from('MDIRIDX1');
const kVersion = 1;
const kChecksumBytes = 32;

export interface IndexEntry {
  readonly key: Uint8Array;
  readonly record: Uint8Array;
  readonly fields: DirEntryFields;
  readonly ino: bigint;
  readonly ctimeNs: bigint;
  readonly mtimeNs: bigint;
  /** The leaf level of a file hashed with its leaves kept inline (more than one leaf, few of them). */
  readonly leaves?: Uint8Array;
}

export interface DirIndex {
  readonly params: DirParams;
  readonly root: Uint8Array;
  readonly entries: readonly IndexEntry[];
}

interface IndexHeader {
  readonly version: number;
  readonly params: DirParams;
  readonly root: string;
  readonly entries: number;
}

/** encodeIndex lays out an index; entries must be in strictly increasing key order. */
export function encodeIndex(index: DirIndex): Uint8Array {
  const header = Buffer.from(JSON.stringify({ version: kVersion, params: index.params, root: Buffer.from(index.root).toString('hex'), entries: index.entries.length } satisfies IndexHeader));
  let total = kMagic.length + 4 + header.length + kChecksumBytes;
  for (const e of index.entries) total += 2 + e.key.length + 2 + e.record.length + 24 + 4 + (e.leaves?.length ?? 0);
  const out = Buffer.allocUnsafe(total);
  let at = kMagic.copy(out, 0);
  at = out.writeUInt32BE(header.length, at);
  at += header.copy(out, at);
  const d = kHashInfo[index.params.hash].digestSize;
  for (const e of index.entries) {
    at = out.writeUInt16BE(e.key.length, at);
    out.set(e.key, at);
    at = out.writeUInt16BE(e.record.length, at + e.key.length);
    out.set(e.record, at);
    at = out.writeBigUInt64BE(e.ino, at + e.record.length);
    at = out.writeBigInt64BE(e.ctimeNs, at);
    at = out.writeBigInt64BE(e.mtimeNs, at);
    at = out.writeUInt32BE((e.leaves?.length ?? 0) / d, at);
    if (e.leaves) {
      out.set(e.leaves, at);
      at += e.leaves.length;
    }
  }
  createHash('sha256').update(out.subarray(0, at)).digest().copy(out, at);
  return out;
}

/** decodeIndex reads an index back, checking every field; `name` is the file, for errors. */
export function decodeIndex(bytes: Buffer, name: string): DirIndex {
  const bad = (what: string, offset?: number) =>
    new InputError(`${name}: not a valid directory tree index: ${what}${offset === undefined ? '' : ` (at byte ${offset})`}`, { code: 'ERR_MERKLE_DIR_INDEX' });
  if (bytes.length < kMagic.length + 4 + kChecksumBytes || !bytes.subarray(0, kMagic.length).equals(kMagic)) throw bad('no MDIRIDX1 magic');
  const body = bytes.subarray(0, bytes.length - kChecksumBytes);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(body.length))) throw bad('checksum mismatch: the file is damaged or was cut short');
  const headerLength = body.readUInt32BE(kMagic.length);
  let at = kMagic.length + 4;
  if (at + headerLength > body.length) throw bad('header runs past the end', at);
  let header: IndexHeader;
  let params: DirParams;
  try {
    header = JSON.parse(body.subarray(at, at + headerLength).toString('utf8')) as IndexHeader;
    if (header.version !== kVersion) throw new Error(`version ${JSON.stringify(header.version)}, want ${kVersion}`);
    params = checkDirParams(header.params);
  } catch (error) {
    throw bad(`header: ${(error as Error).message}`, at);
  }
  const d = kHashInfo[params.hash].digestSize;
  const root = Buffer.from(String(header.root), 'hex');
  if (root.length !== d) throw bad(`root is ${root.length} bytes, want ${d}`, at);
  if (!Number.isSafeInteger(header.entries) || header.entries < 0) throw bad(`entry count ${JSON.stringify(header.entries)}`, at);
  at += headerLength;
  const entries: IndexEntry[] = [];
  const need = (bytesWanted: number, what: string) => {
    if (at + bytesWanted > body.length) throw bad(`${what} runs past the end`, at);
  };
  for (let i = 0; i < header.entries; i++) {
    const where = `entry ${i}`;
    need(2, where);
    const keyLength = body.readUInt16BE(at);
    need(2 + keyLength + 2, where);
    const key = body.subarray(at + 2, at + 2 + keyLength);
    const problem = pathProblem(key);
    if (problem) throw bad(`${where} (${JSON.stringify(key.toString('utf8'))}) ${problem}`, at);
    if (i > 0 && Buffer.compare(entries[i - 1]!.key, key) >= 0) throw bad(`${where} is out of key order`, at);
    at += 2 + keyLength;
    const recordLength = body.readUInt16BE(at);
    need(2 + recordLength + 28, where);
    const record = body.subarray(at + 2, at + 2 + recordLength);
    const fields = decodeRecord(record, params, d, `${name}: ${where}`);
    at += 2 + recordLength;
    const ino = body.readBigUInt64BE(at);
    const ctimeNs = body.readBigInt64BE(at + 8);
    const mtimeNs = body.readBigInt64BE(at + 16);
    const leafCount = body.readUInt32BE(at + 24);
    at += 28;
    need(leafCount * d, `${where}'s leaves`);
    if (leafCount === 1 || (leafCount > 1 && fields.type !== 'file')) throw bad(`${where} has ${leafCount} inline leaves`, at);
    const leaves = leafCount > 0 ? body.subarray(at, at + leafCount * d) : undefined;
    at += leafCount * d;
    entries.push({ key, record, fields, ino, ctimeNs, mtimeNs, ...(leaves ? { leaves } : {}) });
  }
  if (at !== body.length) throw bad(`${body.length - at} bytes after the last entry`, at);
  return { params, root, entries };
}

/** Longest name of one path segment: what Linux and most file systems allow. */
const kMaxNameBytes = 255;

/**
 * pathProblem says what makes `key` unusable as a path below a directory, or undefined: an
 * index may come from a peer, and its paths are written to.
 */
export function pathProblem(key: Uint8Array): string | undefined {
  if (key.length === 0) return 'has an empty path';
  const segments = Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1').split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) return 'is not a canonical relative path (an empty, "." or ".." segment, or a leading or trailing "/")';
  if (segments.some((s) => s.includes('\0'))) return 'holds a NUL byte';
  if (segments.some((s) => s.length > kMaxNameBytes)) return `has a name longer than ${kMaxNameBytes} bytes`;
  return undefined;
}

/** readIndex reads and checks the index file `file`. */
export async function readIndex(file: string): Promise<DirIndex> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new InputError(`${file}: cannot read the directory tree index (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`, { cause: error });
  }
  return decodeIndex(bytes, file);
}

/** writeIndex replaces the index file atomically. */
export function writeIndex(file: string, index: DirIndex): Promise<void> {
  return writeFileAtomically(file, encodeIndex(index));
}
