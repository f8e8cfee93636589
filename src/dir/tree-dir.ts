/**
 * A saved directory tree (DIR.tree): a directory holding `index` (index-file.ts) and
 * `objects/`, the tree files of large files, named by their roots so that unchanged and
 * duplicate files share one. openDirectoryTree reads one back and checks that its records
 * really give its root: an index is as hostile as any input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { openKeyedTree } from '../keyed/open.js';
import type { KeyedTree } from '../keyed/tree.js';
import { readIndex, type DirIndex } from './index-file.js';
import { saltOf } from './params.js';

export const kIndexFile = 'index';
export const kObjectsDir = 'objects';

/** objectPath is where the tree file of a file with root `root` lives in tree `dir`. */
export function objectPath(dir: string, root: Uint8Array): string {
  const hex = Buffer.from(root).toString('hex');
  return path.join(dir, kObjectsDir, hex.slice(0, 2), `${hex}.mtree`);
}

/** isDirectoryTree says whether `where` looks like a saved directory tree. */
export function isDirectoryTree(where: string): boolean {
  return existsSync(path.join(where, kIndexFile));
}

export interface OpenDirectoryTree extends DirIndex {
  readonly path: string;
  /** The keyed tree of the records, rebuilt in memory. Close it with close(). */
  readonly keyed: KeyedTree;
  close(): void;
}

/** openDirectoryTree reads tree `where`, rebuilds its keyed tree and refuses an index whose records do not give its root. */
export async function openDirectoryTree(where: string): Promise<OpenDirectoryTree> {
  if (!isDirectoryTree(where)) throw new InputError(`${where} is not a directory tree (no ${kIndexFile} in it)`);
  const index = await readIndex(path.join(where, kIndexFile));
  const { params } = index;
  const keyed = await openKeyedTree(undefined, { hash: params.hash, bucketBits: params.bucketBits, salt: saltOf(params) });
  keyed.batch(index.entries.map((e) => ({ type: 'put' as const, key: e.key, value: e.record })));
  const root = keyed.root();
  if (Buffer.compare(root, index.root) !== 0) {
    keyed.close();
    throw new InputError(`${path.join(where, kIndexFile)}: its entries give root ${Buffer.from(root).toString('hex')}, not the ${Buffer.from(index.root).toString('hex')} it records`, { code: 'ERR_MERKLE_DIR_INDEX' });
  }
  return { ...index, path: where, keyed, close: () => keyed.close() };
}
