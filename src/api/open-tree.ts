/**
 * openTree: a saved tree file as a NodeSource, so proofs and diffs are made from disk with
 * positioned reads, never by loading the tree. Every node read is checked against the root
 * (CheckedTreeReader): a damaged file fails by name, it never yields an answer.
 */
import { toHex } from '../encoding.js';
import { InputError, TreeFileError } from '../errors.js';
import type { NodeSource } from './proofs.js';
import type { TreeFileHeader } from '../store/format.js';
import { kLeafModeInfo } from '../store/leaf-modes.js';
import { openTreeFile, type TreeFileReader } from '../store/reader.js';
import { kProfiles } from '../tree/profile.js';
import { loadTreeHasher } from '../hash/load.js';
import { CheckedTreeReader } from './checked-reader.js';

export interface OpenTree extends NodeSource {
  readonly path: string;
  readonly meta: TreeFileHeader;
  /** The root as printed: lowercase hex, display order. */
  readonly rootHex: string;
  readonly reader: TreeFileReader;
  /** verify checks every level's checksum and the root (reads the whole file). */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/** openTree opens a .mtree file; rejects with InputError for a missing file, TreeFileError for a bad one. */
export async function openTree(path: string, options: { verify?: boolean } = {}): Promise<OpenTree> {
  let reader: TreeFileReader;
  try {
    reader = await openTreeFile(path, options);
  } catch (error) {
    if (error instanceof TreeFileError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${path}: cannot open (no such file)`, { cause: error });
    if (code === 'EISDIR') throw new InputError(`${path}: cannot open (is a directory)`, { cause: error });
    throw new InputError(`${path}: cannot open (${(error as Error).message})`, { cause: error });
  }
  const meta = reader.meta;
  try {
    const { hasher } = await loadTreeHasher(kProfiles[meta.profile], meta.hash, 'auto');
    reader = new CheckedTreeReader(reader, hasher);
  } catch (error) {
    await reader.close();
    throw error;
  }
  return {
    path,
    meta,
    reader,
    profile: meta.profile,
    hash: meta.hash,
    size: meta.leafCount,
    blockSize: kLeafModeInfo[meta.leafMode].fixedBlocks ? meta.blockSize : undefined,
    leafMode: meta.leafMode,
    root: reader.root,
    rootHex: toHex(reader.root, kProfiles[meta.profile].reversedDisplay),
    getNode: (level, index) => reader.getNode(level, index),
    verify: () => reader.verify(),
    close: () => reader.close(),
  };
}
