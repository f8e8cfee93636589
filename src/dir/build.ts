/**
 * buildDirectoryTree: one root for a whole directory (docs/directory.md). The walk lists the
 * entries; files are hashed as the walk finds them, each as `merkle build FILE` would hash it
 * (hash-files.ts), and every entry's record becomes a value of a keyed tree keyed by its path,
 * whose root is the directory's. With `out`, the tree is saved as a directory: its index (index-file.ts) and
 * the tree files of large files (objects/). With `update`, entries whose size, mtime, ctime
 * and inode are unchanged since that tree was saved keep their roots without being read.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { kDefaultBuildOptions } from '../api/options.js';
import { InputError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import { kProfiles } from '../tree/profile.js';
import { excluderOf } from './exclude.js';
import { FileHashing, kMaxInlineLeaves } from './hash-files.js';
import { readIndex, writeIndex, type DirIndex, type IndexEntry } from './index-file.js';
import { checkDirParams, sameDirParams, saltOf, type DirParams, type DirParamsInput } from './params.js';
import { encodeRecord } from './record.js';
import { kIndexFile, kObjectsDir, objectPath, rootOfEntries } from './tree-dir.js';
import { walkDirectory, type SkippedEntry, type WalkedEntry } from './walk.js';

export interface DirBuildOptions extends DirParamsInput {
  /** Save the tree in this directory (DIR.tree): refused if it exists, unless it is `update`'s. */
  out?: string;
  /** Rescan against this saved tree: unchanged entries are reused. Saves there unless `out` says otherwise. */
  update?: string;
  /** With `update`: read every file anyway, and report the entries the shortcut would have got wrong. */
  verify?: boolean;
  /** Patterns of paths to leave out (exclude.ts). */
  exclude?: readonly string[];
  threads?: number;
  backend?: BackendChoice;
  onProgress?: (progress: DirProgress) => void;
}

export interface DirProgress {
  readonly filesDone: number;
  readonly filesTotal: number;
  readonly bytesDone: number;
  readonly bytesTotal: number;
}

export interface DirBuildResult {
  readonly root: Uint8Array;
  readonly rootHex: string;
  readonly params: DirParams;
  readonly files: number;
  readonly symlinks: number;
  readonly directories: number;
  /** Bytes in all recorded files. */
  readonly bytes: number;
  /** Files read and hashed in this build, and their bytes. */
  readonly hashedFiles: number;
  readonly hashedBytes: number;
  /** Files whose roots were taken from `update`'s tree unread. */
  readonly reused: number;
  /** Entries of `update`'s tree no longer there. */
  readonly removed: number;
  /** Entries left out, with the reason (special files, unreadable, changed while hashed, too long a path). */
  readonly skipped: readonly SkippedEntry[];
  /** With `verify`: paths whose unchanged stat hid a changed file. */
  readonly missed?: readonly string[];
  readonly seconds: number;
}

/** buildDirectoryTree builds (and with `out` or `update`, saves) the tree of directory `dir`. */
export async function buildDirectoryTree(dir: string, options: DirBuildOptions = {}): Promise<DirBuildResult> {
  const started = performance.now();
  const previous = options.update === undefined ? undefined : await readIndex(path.join(options.update, kIndexFile));
  const params = previous ? paramsForUpdate(previous.params, options) : checkDirParams(options);
  const out = options.out ?? options.update;
  if (out !== undefined) refuseUnlessTreeDir(out, options.update);
  const threads = options.threads ?? kDefaultBuildOptions.threads;

  const excluded = excluderOf(options.exclude ?? []);
  // A tree saved inside the directory it describes is never part of it.
  const outInside = out === undefined ? undefined : path.relative(path.resolve(dir), path.resolve(out));
  const exclude = outInside && !outInside.startsWith('..') && !path.isAbsolute(outInside) ? (p: string, n: string) => p === outInside || p.startsWith(`${outInside}/`) || (excluded?.(p, n) ?? false) : excluded;
  const previousByKey = new Map<string, IndexEntry>();
  for (const entry of previous?.entries ?? []) previousByKey.set(Buffer.from(entry.key).toString('latin1'), entry);
  /** unchanged is the saved entry of a file whose stat is as recorded: its record stands unread. */
  const unchanged = (walked: WalkedEntry): IndexEntry | undefined => {
    const old = previousByKey.get(walked.key.toString('latin1'));
    return old && old.fields.type === 'file' && old.fields.size === walked.size && old.mtimeNs === walked.mtimeNs && old.ctimeNs === walked.ctimeNs && old.ino === walked.ino ? old : undefined;
  };

  const { hasher, backend } = await loadTreeHasher(kProfiles[params.profile], params.hash, options.backend ?? 'auto');
  if (out !== undefined) await mkdir(path.join(out, kObjectsDir), { recursive: true });
  // Totals grow as the walk finds files: hashing starts before the walk ends.
  const progress = { filesDone: 0, filesTotal: 0, bytesDone: 0, bytesTotal: 0 };
  const hashing = new FileHashing({
    dir,
    params,
    hasher,
    backend,
    threads,
    ...(out !== undefined ? { out } : {}),
    onHashed(entry) {
      progress.filesDone++;
      progress.bytesDone += entry.size;
      options.onProgress?.({ ...progress });
    },
  });
  // Files the rescan takes unread, found once here as the walk sees them.
  const reusedEntries = new Map<WalkedEntry, IndexEntry>();
  const walk = await walkDirectory(dir, exclude, (entry) => {
    const old = previous ? unchanged(entry) : undefined;
    if (old) reusedEntries.set(entry, old);
    if (old && !options.verify) return;
    progress.filesTotal++;
    progress.bytesTotal += entry.size;
    hashing.add(entry);
  });
  await hashing.finish();
  const { hashed } = hashing;
  const skipped = [...walk.skipped, ...hashing.skipped];

  const d = hasher.digestSize;
  const entries: IndexEntry[] = [];
  const missed: string[] = [];
  let reused = 0;
  let kept = 0;
  const skippedPaths = new Set(skipped.map((s) => s.path));
  for (const walked of walk.entries) {
    let root: Uint8Array | undefined;
    let leaves: Uint8Array | undefined;
    const key = previous ? walked.key.toString('latin1') : '';
    if (previous && previousByKey.has(key)) kept++;
    if (walked.type === 'file') {
      const fresh = hashed.get(walked);
      const old = reusedEntries.get(walked);
      if (old && !options.verify) {
        // The same stat gives the same record (a chmod changes ctime): the saved one stands.
        entries.push(old);
        reused++;
        continue;
      } else if (fresh) {
        root = fresh.root;
        leaves = fresh.leaves;
        if (old && Buffer.compare(old.fields.root!, fresh.root) !== 0) missed.push(walked.key.toString('utf8'));
      } else {
        if (!skippedPaths.has(walked.key.toString('utf8'))) throw new Error(`internal: ${walked.key.toString('utf8')} was neither hashed nor skipped`);
        continue;
      }
    }
    const fields = {
      type: walked.type,
      size: walked.size,
      ...(root ? { root } : {}),
      ...(walked.target ? { target: walked.target } : {}),
      mode: walked.mode,
      mtimeNs: walked.mtimeNs,
    };
    const record = encodeRecord(fields, params, d);
    entries.push({ key: walked.key, record, fields, ino: walked.ino, ctimeNs: walked.ctimeNs, mtimeNs: walked.mtimeNs, ...(leaves ? { leaves } : {}) });
  }

  const root = await rootOfEntries(params, entries);
  const index: DirIndex = { params, root, entries };
  if (out !== undefined) {
    if (options.update !== undefined && path.resolve(options.update) !== path.resolve(out)) await copyReusedObjects(options.update, out, index);
    await writeIndex(path.join(out, kIndexFile), index);
    await removeUnreferencedObjects(out, index);
  }
  const recordedFiles = entries.filter((e) => e.fields.type === 'file');
  return {
    root,
    rootHex: Buffer.from(root).toString('hex'),
    params,
    files: recordedFiles.length,
    symlinks: entries.filter((e) => e.fields.type === 'symlink').length,
    directories: entries.filter((e) => e.fields.type === 'directory').length,
    bytes: recordedFiles.reduce((sum, e) => sum + e.fields.size, 0),
    hashedFiles: hashed.size,
    hashedBytes: [...hashed.keys()].reduce((sum, e) => sum + e.size, 0),
    reused,
    removed: previous ? previous.entries.length - kept : 0,
    skipped,
    ...(options.verify ? { missed } : {}),
    seconds: (performance.now() - started) / 1000,
  };
}

/** An update keeps its tree's parameters: options may repeat them, not change them. */
function paramsForUpdate(saved: DirParams, options: DirParamsInput): DirParams {
  const asked = checkDirParams({ ...saved, ...Object.fromEntries(Object.entries(options).filter(([k, v]) => v !== undefined && k in saved)) });
  if (!sameDirParams(saved, asked)) {
    throw new InputError(`the tree to update was built with ${saltOf(saved)} (bucket bits ${saved.bucketBits}); the options ask for ${saltOf(asked)} (bucket bits ${asked.bucketBits}): build a new tree instead`);
  }
  return saved;
}

/** refuseUnlessTreeDir keeps a build from writing into anything but a new directory or the tree it updates. */
function refuseUnlessTreeDir(out: string, update: string | undefined): void {
  if (!existsSync(out)) return;
  const isDirectory = statSync(out).isDirectory();
  // A build killed before its index was written leaves objects/ alone: the rerun continues it.
  if (isDirectory && readdirSync(out).every((name) => name === kObjectsDir)) return;
  const isTree = isDirectory && existsSync(path.join(out, kIndexFile));
  if (!isTree) throw new InputError(`${out} exists and is not a directory tree (no ${kIndexFile}): refusing to write into it`);
  if (update === undefined || path.resolve(update) !== path.resolve(out)) {
    throw new InputError(`${out} already holds a directory tree: rescan into it with --update ${out}, or remove it first`);
  }
}

/** hasObject says whether a file entry's levels are a tree file in objects/ rather than inline. */
function hasObject(entry: IndexEntry, params: DirParams): boolean {
  return entry.fields.type === 'file' && Math.ceil(entry.fields.size / params.blockSize) > kMaxInlineLeaves;
}

/** copyReusedObjects brings the objects of files reused from tree `from` into tree `to` (a rescan saved elsewhere). */
async function copyReusedObjects(from: string, to: string, index: DirIndex): Promise<void> {
  for (const entry of index.entries) {
    if (!hasObject(entry, index.params)) continue;
    const target = objectPath(to, entry.fields.root!);
    const source = objectPath(from, entry.fields.root!);
    if (existsSync(target) || !existsSync(source)) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(source, `${target}.tmp-${process.pid}`);
    await rename(`${target}.tmp-${process.pid}`, target);
  }
}

/**
 * removeUnreferencedObjects deletes the tree files no entry of `index` needs (files since
 * changed or removed) and any left by a build that was killed before it could rename them.
 */
async function removeUnreferencedObjects(out: string, index: DirIndex): Promise<void> {
  const wanted = new Set(index.entries.filter((e) => hasObject(e, index.params)).map((e) => objectPath(out, e.fields.root!)));
  const objects = path.join(out, kObjectsDir);
  for (const entry of await readdir(objects, { withFileTypes: true })) {
    const shard = path.join(objects, entry.name);
    if (!entry.isDirectory()) {
      await rm(shard, { force: true });
      continue;
    }
    for (const name of await readdir(shard)) {
      const file = path.join(shard, name);
      if (!wanted.has(file)) await rm(file, { force: true });
    }
  }
}
