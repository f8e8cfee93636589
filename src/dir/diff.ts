/**
 * diffDirectoryTrees: what differs between two saved directory trees, at both levels. The
 * keyed trees are walked where their nodes differ (keyed/diff.ts), giving the added, removed
 * and changed paths; for a file changed in content, its two file trees are walked the same way
 * (api/diff.ts), giving the blocks that differ — from the leaves kept in the index for small
 * files, or from their tree files in objects/.
 */
import { existsSync } from 'node:fs';
import { diffTrees } from '../api/diff.js';
import { openTree, type OpenTree } from '../api/open-tree.js';
import type { NodeSource } from '../api/proofs.js';
import { IncompatibleTreesError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import { diffKeyed } from '../keyed/diff.js';
import { buildLevels } from '../tree/build.js';
import type { IndexRange } from '../tree/diff.js';
import { kProfiles, topNodeIsRoot } from '../tree/profile.js';
import type { IndexEntry } from './index-file.js';
import { saltOf, sameDirParams, type DirParams } from './params.js';
import type { DirEntryFields } from './record.js';
import { objectPath, type OpenDirectoryTree } from './tree-dir.js';

export interface DirDiffEntry {
  readonly path: string;
  readonly type: DirEntryFields['type'];
  readonly size: number;
}

export type ChangedField = 'type' | 'size' | 'content' | 'target' | 'mode' | 'mtime';

export interface BlockChanges {
  /** Blocks [begin, end) of the common length that differ. */
  readonly ranges: readonly IndexRange[];
  /** Blocks only B has, or only A has. */
  readonly added?: IndexRange;
  readonly removed?: IndexRange;
  /** False when a side kept no levels for its file (a one-block file of a b3tree, or a tree copied without objects/): every block is then counted as changed. */
  readonly exact: boolean;
}

export interface DirChange {
  readonly path: string;
  readonly a: DirDiffEntry;
  readonly b: DirDiffEntry;
  readonly fields: readonly ChangedField[];
  /** For a file changed in content: which blocks. */
  readonly blocks?: BlockChanges;
}

export interface DirDiff {
  readonly equal: boolean;
  readonly added: readonly DirDiffEntry[];
  readonly removed: readonly DirDiffEntry[];
  readonly changed: readonly DirChange[];
  readonly blockSize: number;
}

const latin1 = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('latin1');
const text = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('utf8');
const summary = (e: IndexEntry): DirDiffEntry => ({ path: text(e.key), type: e.fields.type, size: e.fields.size });

/** diffDirectoryTrees compares trees built with the same parameters; others are refused by name. */
export async function diffDirectoryTrees(a: OpenDirectoryTree, b: OpenDirectoryTree): Promise<DirDiff> {
  if (!sameDirParams(a.params, b.params)) {
    throw new IncompatibleTreesError(`the trees were built differently: ${a.path} with ${saltOf(a.params)} (bucket bits ${a.params.bucketBits}), ${b.path} with ${saltOf(b.params)} (bucket bits ${b.params.bucketBits})`);
  }
  const keyed = diffKeyed(await a.keyedTree(), await b.keyedTree());
  const byKeyA = new Map(a.entries.map((e) => [latin1(e.key), e]));
  const byKeyB = new Map(b.entries.map((e) => [latin1(e.key), e]));
  const entryOf = (map: Map<string, IndexEntry>, key: Uint8Array) => map.get(latin1(key))!;
  const changed: DirChange[] = [];
  for (const { key } of keyed.different) {
    const x = entryOf(byKeyA, key);
    const y = entryOf(byKeyB, key);
    const fields = changedFields(x.fields, y.fields, a.params);
    const blocks = fields.includes('content') && x.fields.type === 'file' && y.fields.type === 'file' ? await blockChanges(a, x, b, y) : undefined;
    changed.push({ path: text(key), a: summary(x), b: summary(y), fields, ...(blocks ? { blocks } : {}) });
  }
  const byPath = (p: { path: string }, q: { path: string }) => Buffer.compare(Buffer.from(p.path), Buffer.from(q.path));
  return {
    equal: keyed.equal,
    added: keyed.extra.map((e) => summary(entryOf(byKeyB, e.key))).sort(byPath),
    removed: keyed.missing.map((e) => summary(entryOf(byKeyA, e.key))).sort(byPath),
    changed: changed.sort(byPath),
    blockSize: a.params.blockSize,
  };
}

function changedFields(x: DirEntryFields, y: DirEntryFields, params: DirParams): ChangedField[] {
  if (x.type !== y.type) return ['type'];
  const fields: ChangedField[] = [];
  if (x.size !== y.size) fields.push('size');
  if (x.type === 'file' && Buffer.compare(x.root!, y.root!) !== 0) fields.push('content');
  if (x.type === 'symlink' && Buffer.compare(x.target!, y.target!) !== 0) fields.push('target');
  if (params.modes && x.mode !== y.mode) fields.push('mode');
  if (params.mtimes && x.mtimeNs !== y.mtimeNs) fields.push('mtime');
  return fields;
}

async function blockChanges(a: OpenDirectoryTree, x: IndexEntry, b: OpenDirectoryTree, y: IndexEntry): Promise<BlockChanges> {
  const blockSize = a.params.blockSize;
  const leavesA = Math.ceil(x.fields.size / blockSize);
  const leavesB = Math.ceil(y.fields.size / blockSize);
  const [sourceA, sourceB] = await Promise.all([fileTree(a, x), fileTree(b, y)]);
  try {
    if (!sourceA || !sourceB) {
      // Without both sides' leaves, every block of the common length counts as changed.
      const common = Math.min(leavesA, leavesB);
      return {
        ranges: common > 0 ? [{ begin: 0, end: common }] : [],
        ...(leavesB > common ? { added: { begin: common, end: leavesB } } : {}),
        ...(leavesA > common ? { removed: { begin: common, end: leavesA } } : {}),
        exact: false,
      };
    }
    const result = await diffTrees(sourceA, sourceB);
    return { ranges: result.ranges, ...(result.added ? { added: result.added } : {}), ...(result.removed ? { removed: result.removed } : {}), exact: true };
  } finally {
    for (const source of [sourceA, sourceB]) if (source && 'close' in source) await (source as OpenTree).close();
  }
}

/** fileTree is the tree of a file entry with its levels: from the index's leaves, its object, or (one leaf) its root. */
async function fileTree(tree: OpenDirectoryTree, entry: IndexEntry): Promise<NodeSource | undefined> {
  const { params } = tree;
  const profile = kProfiles[params.profile];
  const leafCount = Math.ceil(entry.fields.size / params.blockSize);
  const base = { profile: params.profile, hash: params.hash, blockSize: params.blockSize, leafMode: 'blocks' as const };
  if (entry.leaves) {
    const { hasher } = await loadTreeHasher(profile, params.hash, 'auto');
    const levels = buildLevels(entry.leaves, leafCount, hasher, profile.lone);
    return { ...base, size: leafCount, root: entry.fields.root!, levels, getNode: (level, index) => levels.levels[level]!.subarray(index * hasher.digestSize, (index + 1) * hasher.digestSize) } as NodeSource;
  }
  if (leafCount === 0) return { ...base, size: 0, root: entry.fields.root!, getNode: () => entry.fields.root! };
  if (leafCount === 1) {
    // A one-leaf tree's root is its leaf, except where the profile flags its root (b3tree).
    return topNodeIsRoot(profile, 1) ? { ...base, size: 1, root: entry.fields.root!, getNode: () => entry.fields.root! } : undefined;
  }
  const object = objectPath(tree.path, entry.fields.root!);
  return existsSync(object) ? openTree(object) : undefined;
}
