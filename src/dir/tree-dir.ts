/**
 * A saved directory tree (DIR.tree): a directory holding `index` (index-file.ts) and
 * `objects/`, the tree files of large files, named by their roots so that unchanged and
 * duplicate files share one. openDirectoryTree reads one back and checks that its records
 * really give its root: an index is as hostile as any input.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.js';
import { selectKernel } from '../hash/registry.js';
import { rootOfPairs } from '../keyed/bulk.js';
import { KeyedHasher } from '../keyed/hashing.js';
import { openKeyedTree } from '../keyed/open.js';
import type { KeyedTree } from '../keyed/tree.js';
import { readIndex, type DirIndex, type IndexEntry } from './index-file.js';
import { saltOf, type DirParams } from './params.js';

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

/** rootOfEntries is the root of the keyed tree of the entries' records, keyed by path. */
export async function rootOfEntries(params: DirParams, entries: readonly IndexEntry[]): Promise<Uint8Array> {
  const hasher = new KeyedHasher(await selectKernel(params.hash, 'auto'), new TextEncoder().encode(saltOf(params)), params.bucketBits);
  return rootOfPairs(hasher, entries.map((e) => ({ key: e.key, value: e.record })));
}

export interface OpenDirectoryTree extends DirIndex {
  readonly path: string;
  /** keyedTree builds the keyed tree of the records in memory (for walking it); close() frees it. */
  keyedTree(): Promise<KeyedTree>;
  close(): void;
}

/** openDirectoryTree reads tree `where` and refuses an index whose records do not give the root it records. */
export async function openDirectoryTree(where: string): Promise<OpenDirectoryTree> {
  if (!isDirectoryTree(where)) throw new InputError(`${where} is not a directory tree (no ${kIndexFile} in it)`);
  const index = await readIndex(path.join(where, kIndexFile));
  const { params } = index;
  const root = await rootOfEntries(params, index.entries);
  if (Buffer.compare(root, index.root) !== 0) {
    throw new InputError(`${path.join(where, kIndexFile)}: its entries give root ${Buffer.from(root).toString('hex')}, not the ${Buffer.from(index.root).toString('hex')} it records`, { code: 'ERR_MERKLE_DIR_INDEX' });
  }
  let keyed: Promise<KeyedTree> | undefined;
  return {
    ...index,
    path: where,
    keyedTree() {
      keyed ??= openKeyedTree(undefined, { hash: params.hash, bucketBits: params.bucketBits, salt: saltOf(params) }).then((tree) => {
        tree.batch(index.entries.map((e) => ({ type: 'put' as const, key: e.key, value: e.record })));
        return tree;
      });
      return keyed;
    },
    close() {
      void keyed?.then((tree) => tree.close());
    },
  };
}
