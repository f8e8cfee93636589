/**
 * syncDirectoryFrom: make a local directory equal to a served directory tree, moving only what
 * differs (docs/directory.md, "Sync"). The peer's index is checked whole before anything is
 * written — every field, every path canonical, its records giving its root, and that root the
 * one pinned by the caller if any. Then, per path that differs:
 *
 * - a file is rebuilt in a temp file beside its target from the blocks the local copy already
 *   has (same leaf hash at the same index) and the blocks fetched, every fetched block checked
 *   against the peer's leaf level, itself checked against the file's root in the index; the
 *   temp file is flushed and renamed over the target, so a kill leaves each file old or new and
 *   a rerun goes on from there;
 * - a symlink is made beside its target and renamed over it; an empty directory is made.
 *
 * No path is written through a symbolic link or outside the directory: every parent of a
 * target is checked with lstat, and a symlink or file where the peer has a directory is
 * refused by name, as are paths that are the same on a case-insensitive file system. Local
 * paths the peer lacks are removed only with `delete`.
 */
import { chmodSync, closeSync, existsSync, fstatSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readlinkSync, readSync, renameSync, rmdirSync, rmSync, symlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { InputError, SyncVerifyError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import { buildLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles, type LoneNodeRule } from '../tree/profile.js';
import { Peer, type PeerAccess } from '../sync/transport.js';
import { decodeIndex, readIndex, type DirIndex, type IndexEntry } from './index-file.js';
import { buildDirectoryTree } from './build.js';
import { isDirectoryTree, kIndexFile, rootOfEntries } from './tree-dir.js';
import { walkDirectory } from './walk.js';
import { kMaxBatch, kMaxRangeBytes } from './sync-server.js';

/** Largest index a peer may send. */
const kMaxIndexBytes = 1 << 30;

export interface DirSyncOptions extends PeerAccess {
  /** The root the caller trusts (hex): a peer serving any other is refused before anything is written. */
  readonly expectedRoot?: string;
  /** Remove local paths the peer does not have. */
  readonly delete?: boolean;
  /**
   * A saved tree of the local directory (made with the peer's parameters when missing, and
   * brought up to date before and after): local files whose stat is unchanged since it was saved
   * are compared by their saved records, unread.
   */
  readonly tree?: string;
}

export interface DirSyncReport {
  readonly root: string;
  readonly filesWritten: number;
  readonly symlinksWritten: number;
  readonly directoriesMade: number;
  readonly removed: number;
  /** Blocks fetched from the peer, and blocks reused from the local copies. */
  readonly blocksFetched: number;
  readonly blocksReused: number;
  readonly roundTrips: number;
  /** Bytes on the wire, both ways, HTTP headers included. */
  readonly wireBytes: number;
  readonly seconds: number;
}

const hexOf = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
const shown = (key: Uint8Array) => JSON.stringify(Buffer.from(key).toString('utf8'));

/** syncDirectoryFrom brings `dir` (made if missing) up to date with the tree served at `url`. */
export async function syncDirectoryFrom(url: string, dir: string, options: DirSyncOptions = {}): Promise<DirSyncReport> {
  const started = performance.now();
  const peer = new Peer(url, { idleTimeoutMs: 30_000, totalTimeoutMs: 600_000, ...(options.ca ? { ca: options.ca } : {}), ...(options.token ? { token: options.token } : {}) });
  try {
    const remote = await fetchIndex(peer, url, options.expectedRoot);
    peer.expectedRoot = hexOf(remote.root);
    if (remote.params.mtimes) throw new InputError('the peer\'s tree records mtimes, which a sync cannot set exactly yet: serve a tree built without --mtimes');
    mkdirSync(dir, { recursive: true });
    refuseCaseCollisions(dir, remote);
    const { hasher } = await loadTreeHasher(kProfiles[remote.params.profile], remote.params.hash, 'auto');
    const counts = { filesWritten: 0, symlinksWritten: 0, directoriesMade: 0, removed: 0, blocksFetched: 0, blocksReused: 0 };
    const context: SyncContext = { peer, dir, remote, hasher, counts };
    const localRecords = options.tree === undefined ? undefined : await recordsOfLocal(dir, options.tree, remote);
    const pending: PendingFile[] = [];
    for (const entry of remote.entries) {
      // Known by its saved record to be the peer's already: not read, not fetched.
      if (localRecords?.get(Buffer.from(entry.key).toString('latin1'))?.equals(entry.record)) continue;
      const file = await syncEntry(context, entry);
      if (file) pending.push(file);
    }
    await syncFiles(context, pending);
    if (options.delete) counts.removed = await removeExtra(dir, remote);
    if (options.tree !== undefined) await buildDirectoryTree(dir, { update: options.tree });
    return { root: hexOf(remote.root), ...counts, roundTrips: peer.roundTrips, wireBytes: peer.wireBytes, seconds: (performance.now() - started) / 1000 };
  } finally {
    peer.close();
  }
}

/**
 * recordsOfLocal brings the local saved tree up to date (a rescan: only files whose stat changed
 * are read) and returns its records by key. A saved tree of other parameters is refused.
 */
async function recordsOfLocal(dir: string, tree: string, remote: DirIndex): Promise<Map<string, Buffer>> {
  const inside = path.relative(path.resolve(dir), path.resolve(tree));
  if (!inside.startsWith('..') && !path.isAbsolute(inside)) throw new InputError(`--tree ${tree} is inside ${dir}, which the sync makes equal to the peer's: keep it beside`);
  const params = remote.params;
  await buildDirectoryTree(dir, isDirectoryTree(tree) ? { update: tree, ...params } : { out: tree, ...params });
  const index = await readIndex(path.join(tree, kIndexFile));
  return new Map(index.entries.map((e) => [Buffer.from(e.key).toString('latin1'), Buffer.from(e.record)]));
}

interface SyncContext {
  readonly peer: Peer;
  readonly dir: string;
  readonly remote: DirIndex;
  readonly hasher: TreeHasher;
  readonly counts: { filesWritten: number; symlinksWritten: number; directoriesMade: number; removed: number; blocksFetched: number; blocksReused: number };
}

async function fetchIndex(peer: Peer, url: string, expectedRoot: string | undefined): Promise<DirIndex> {
  const compressed = await peer.get('/dir/v1/index', { max: kMaxIndexBytes });
  let bytes: Buffer;
  try {
    bytes = gunzipSync(compressed, { maxOutputLength: kMaxIndexBytes });
  } catch (error) {
    throw new SyncVerifyError(`${url}'s index does not decompress: ${(error as Error).message}`);
  }
  const remote = decodeIndex(bytes, `${url}'s index`);
  const root = await rootOfEntries(remote.params, remote.entries);
  if (Buffer.compare(root, remote.root) !== 0) throw new SyncVerifyError(`${url}'s index: its entries give root ${hexOf(root)}, not the ${hexOf(remote.root)} it claims`);
  if (expectedRoot !== undefined && expectedRoot.toLowerCase() !== hexOf(remote.root)) {
    throw new SyncVerifyError(`${url} serves root ${hexOf(remote.root)}, not the trusted ${expectedRoot}: nothing was written`);
  }
  // A path and a path below it cannot both be entries: a file (or link) cannot hold entries.
  for (let i = 1; i < remote.entries.length; i++) {
    const parent = remote.entries[i - 1]!.key;
    const child = remote.entries[i]!.key;
    if (child.length > parent.length && child[parent.length] === 0x2f && Buffer.compare(child.subarray(0, parent.length), parent) === 0) {
      throw new SyncVerifyError(`${url}'s index holds both ${shown(parent)} and ${shown(child)} below it`);
    }
  }
  return remote;
}

/** refuseCaseCollisions: on a case-insensitive file system, two paths differing only in case would overwrite each other. */
function refuseCaseCollisions(dir: string, remote: DirIndex): void {
  const probe = path.join(dir, `.merkle-case-probe-${process.pid}`);
  mkdirSync(probe);
  const insensitive = existsSync(path.join(dir, `.MERKLE-CASE-PROBE-${process.pid}`));
  rmdirSync(probe);
  if (!insensitive) return;
  const seen = new Map<string, Uint8Array>();
  for (const { key } of remote.entries) {
    const folded = Buffer.from(key).toString('utf8').toLowerCase();
    const other = seen.get(folded);
    if (other) throw new SyncVerifyError(`${shown(other)} and ${shown(key)} are one path on this case-insensitive file system: refusing to sync`);
    seen.set(folded, key);
  }
}

/**
 * safeTarget returns the target path of `key` after making sure every parent below `dir` is a
 * real directory (made where missing): never a symlink, never a file.
 */
function safeTarget(dir: string, key: Uint8Array): Buffer {
  const segments = Buffer.from(key).toString('latin1').split('/');
  let at = Buffer.from(dir);
  for (const segment of segments.slice(0, -1)) {
    at = Buffer.concat([at, Buffer.from('/'), Buffer.from(segment, 'latin1')]);
    const stats = lstatSync(at, { throwIfNoEntry: false });
    if (!stats) mkdirSync(at);
    else if (stats.isSymbolicLink()) throw new SyncVerifyError(`${shown(key)}: its parent ${JSON.stringify(at.toString('utf8'))} is a symbolic link here: refusing to write through it`);
    else if (!stats.isDirectory()) throw new SyncVerifyError(`${shown(key)}: its parent ${JSON.stringify(at.toString('utf8'))} is a file here, a directory on the peer: remove it first`);
  }
  return Buffer.concat([at, Buffer.from('/'), Buffer.from(segments.at(-1)!, 'latin1')]);
}

/** A temp name beside `target`, in the same directory so the rename is atomic. */
function tempBeside(target: Buffer): Buffer {
  const slash = target.lastIndexOf(0x2f);
  return Buffer.concat([target.subarray(0, slash + 1), Buffer.from(`.merkle-sync-${process.pid}-`), target.subarray(slash + 1, slash + 1 + 100)]);
}

/**
 * syncEntry brings a directory or symlink up to date at once; a file that differs is returned,
 * to be fetched with the others (syncFiles), a file that is the peer's already is not.
 */
async function syncEntry(context: SyncContext, entry: IndexEntry): Promise<PendingFile | undefined> {
  const { dir, counts } = context;
  const target = safeTarget(dir, entry.key);
  const local = lstatSync(target, { throwIfNoEntry: false });
  if (local?.isDirectory() && entry.fields.type !== 'directory') {
    throw new SyncVerifyError(`${shown(entry.key)} is a directory here and a ${entry.fields.type} on the peer: remove it first`);
  }
  switch (entry.fields.type) {
    case 'directory':
      if (!local) {
        mkdirSync(target);
        counts.directoriesMade++;
      } else if (!local.isDirectory()) {
        throw new SyncVerifyError(`${shown(entry.key)} is an empty directory on the peer and not a directory here: remove it first`);
      }
      return undefined;
    case 'symlink': {
      const want = Buffer.from(entry.fields.target!);
      if (local?.isSymbolicLink() && readlinkSync(target, { encoding: 'buffer' }).equals(want)) return undefined;
      const temp = tempBeside(target);
      rmSync(temp, { force: true });
      symlinkSync(want, temp);
      renameSync(temp, target);
      counts.symlinksWritten++;
      return undefined;
    }
    case 'file':
      return pendingFile(context, entry, target, local?.isFile() === true);
  }
}

/** leavesOfLocal hashes the local file's blocks, or undefined when there is none to reuse. */
function leavesOfLocal(target: Buffer, hasher: TreeHasher, blockSize: number, lone: LoneNodeRule): LocalCopy | undefined {
  let fd: number;
  try {
    fd = openSync(target, 'r');
  } catch {
    return undefined;
  }
  try {
    const size = fstatSync(fd).size;
    const d = hasher.digestSize;
    const leafCount = Math.ceil(size / blockSize);
    const leaves = new Uint8Array(leafCount * d);
    // Sized to the file (up to ~4 MiB of whole blocks): a small file must not pay for a large buffer.
    const blocksPerRead = Math.max(1, Math.min(leafCount, Math.floor((4 << 20) / blockSize)));
    const buffer = new Uint8Array(blocksPerRead * blockSize);
    for (let first = 0; first < leafCount; first += blocksPerRead) {
      const wanted = Math.min(buffer.length, size - first * blockSize);
      const got = readSync(fd, buffer, 0, wanted, first * blockSize);
      if (got !== wanted) return undefined;
      const count = Math.ceil(got / blockSize);
      hasher.leavesFromBlocks(buffer.subarray(0, got), blockSize, first, leaves.subarray(first * d, (first + count) * d));
    }
    // A one-block file of a profile whose one-leaf root is not the leaf (b3tree): its root from
    // the bytes still in the buffer, not from a second read.
    const root = leafCount === 1 && hasher.rootOfSingleLeaf ? hasher.rootOfSingleLeaf(buffer.subarray(0, size)) : buildLevels(leaves, leafCount, hasher, lone).root;
    return { leaves, size, root };
  } finally {
    closeSync(fd);
  }
}

/** What a local file holds: its leaf hashes, size and root under the peer's parameters. */
interface LocalCopy {
  readonly leaves: Uint8Array;
  readonly size: number;
  readonly root: Uint8Array;
}

/** A file to bring up to date: what the local copy has, and (once fetched) the peer's leaves. */
interface PendingFile {
  readonly entry: IndexEntry;
  readonly target: Buffer;
  readonly local?: LocalCopy;
  remoteLeaves?: Uint8Array;
}

/** A run of blocks [first, end) of a file, taken from the local copy or fetched. */
interface Run {
  readonly first: number;
  readonly end: number;
  readonly reuse: boolean;
}

/** pendingFile hashes the local copy and returns the file if it is not the peer's already. */
function pendingFile(context: SyncContext, entry: IndexEntry, target: Buffer, hasLocal: boolean): PendingFile | undefined {
  const { remote, hasher } = context;
  const local = hasLocal ? leavesOfLocal(target, hasher, remote.params.blockSize, kProfiles[remote.params.profile].lone) : undefined;
  if (local && local.size === entry.fields.size && Buffer.compare(local.root, entry.fields.root!) === 0) {
    // Nothing fetched, not even leaves; only the mode, where the tree records it.
    if (remote.params.modes && entry.fields.mode !== undefined && (lstatSync(target).mode & 0o7777) !== entry.fields.mode) chmodSync(target, entry.fields.mode);
    return undefined;
  }
  return { entry, target, ...(local ? { local } : {}) };
}

const leafCountOf = (entry: IndexEntry, blockSize: number) => Math.ceil(entry.fields.size / blockSize);

/**
 * syncFiles fetches what the pending files need in few round trips: the leaf levels of many
 * files per request, then the blocks of many files per request (up to kMaxBatch ranges and
 * kMaxRangeBytes), and writes each file once its blocks are in hand.
 */
async function syncFiles(context: SyncContext, files: PendingFile[]): Promise<void> {
  const { peer, remote, hasher } = context;
  const { blockSize } = remote.params;
  const d = hasher.digestSize;
  const lone = kProfiles[remote.params.profile].lone;

  // The peer's leaf levels, each checked against its file's root in the (checked) index.
  const needLeaves = files.filter((f) => leafCountOf(f.entry, blockSize) > 1);
  for (const group of batches(needLeaves, (f) => leafCountOf(f.entry, blockSize) * d)) {
    const bytes = await peer.postBytes('/dir/v1/leaves', Buffer.from(JSON.stringify({ keys: group.map((f) => hexOf(f.entry.key)) })), { exact: group.reduce((sum, f) => sum + leafCountOf(f.entry, blockSize) * d, 0) });
    let at = 0;
    for (const file of group) {
      const length = leafCountOf(file.entry, blockSize) * d;
      file.remoteLeaves = bytes.subarray(at, at + length);
      at += length;
      if (Buffer.compare(buildLevels(file.remoteLeaves, length / d, hasher, lone).root, file.entry.fields.root!) !== 0) {
        throw new SyncVerifyError(`${shown(file.entry.key)}: the peer's leaf hashes do not give the file's root`);
      }
    }
  }

  // Blocks: the runs to fetch of consecutive files go into one request while they fit; a file's
  // local runs are written at once, its fetched ones as their answer arrives (positioned
  // writes), and it is renamed into place when its last run is in.
  let group: { writer: FileWriter; run: Run }[] = [];
  let groupBytes = 0;
  const open = new Set<FileWriter>();
  const flush = async () => {
    if (group.length === 0) return;
    const ranges = group.map(({ writer, run }) => [hexOf(writer.file.entry.key), run.first * blockSize, runBytes(writer.file, run, blockSize)] as const);
    const bytes = await peer.postBytes('/dir/v1/data', Buffer.from(JSON.stringify({ ranges })), { exact: groupBytes });
    let at = 0;
    for (const [i, { writer, run }] of group.entries()) {
      writer.write(run, bytes.subarray(at, at + ranges[i]![2]));
      at += ranges[i]![2];
      if (writer.done) {
        writer.finish();
        open.delete(writer);
      }
    }
    group = [];
    groupBytes = 0;
  };
  try {
    for (const file of files) {
      const writer = new FileWriter(context, file, runsOf(file, blockSize, d));
      open.add(writer);
      for (const run of writer.runs) {
        if (run.reuse) {
          writer.write(run);
          continue;
        }
        const length = runBytes(file, run, blockSize);
        if (group.length > 0 && (groupBytes + length > kMaxRangeBytes || group.length === kMaxBatch || open.size > kMaxOpenFiles)) await flush();
        group.push({ writer, run });
        groupBytes += length;
      }
      if (writer.done) {
        writer.finish();
        open.delete(writer);
      }
    }
    await flush();
  } finally {
    for (const writer of open) writer.abort();
  }
}

/** Files being written at once while their blocks are fetched: each holds two descriptors. */
const kMaxOpenFiles = 128;

/** batches cuts items into groups of at most kMaxBatch parts and kMaxRangeBytes, in order; an item too large alone is a group of its own. */
function batches<T>(items: readonly T[], bytesOf: (item: T) => number, partsOf: (item: T) => number = () => 1): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  let parts = 0;
  for (const item of items) {
    const b = bytesOf(item);
    const n = partsOf(item);
    if (group.length > 0 && (bytes + b > kMaxRangeBytes || parts + n > kMaxBatch)) {
      groups.push(group);
      group = [];
      bytes = 0;
      parts = 0;
    }
    group.push(item);
    bytes += b;
    parts += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

const runBytes = (file: PendingFile, run: Run, blockSize: number) => Math.min(file.entry.fields.size, run.end * blockSize) - run.first * blockSize;

/**
 * runsOf cuts a file's blocks into runs taken from the local copy (the same leaf hash at the
 * same index: the same block, short last blocks included, as a leaf hashes its bytes and, for
 * b3tree, its index) and runs to fetch, each of at most kMaxRangeBytes.
 */
function runsOf(file: PendingFile, blockSize: number, d: number): Run[] {
  const leafCount = leafCountOf(file.entry, blockSize);
  const { local, remoteLeaves } = file;
  const reusable = (i: number) =>
    local !== undefined && remoteLeaves !== undefined && i < local.leaves.length / d && Buffer.compare(local.leaves.subarray(i * d, (i + 1) * d), remoteLeaves.subarray(i * d, (i + 1) * d)) === 0;
  const blocksPerRun = Math.max(1, Math.floor(kMaxRangeBytes / blockSize));
  const runs: Run[] = [];
  for (let i = 0; i < leafCount; ) {
    const reuse = reusable(i);
    let end = i + 1;
    while (end < leafCount && end - i < blocksPerRun && reusable(end) === reuse) end++;
    runs.push({ first: i, end, reuse });
    i = end;
  }
  return runs;
}

/**
 * FileWriter builds one file in a temp file beside its target from local and fetched runs,
 * every block checked against the peer's leaf hashes (a one-block file: against its root), then
 * flushes it and renames it over the target. abort() leaves the target as it was and removes
 * the temp file.
 */
class FileWriter {
  readonly file: PendingFile;
  readonly runs: readonly Run[];
  readonly #context: SyncContext;
  readonly #temp: Buffer;
  readonly #out: number;
  readonly #localFd: number | undefined;
  #left: number;
  #closed = false;

  constructor(context: SyncContext, file: PendingFile, runs: readonly Run[]) {
    this.#context = context;
    this.file = file;
    this.runs = runs;
    this.#left = runs.length;
    this.#temp = tempBeside(file.target);
    rmSync(this.#temp, { force: true });
    this.#out = openSync(this.#temp, 'wx', 0o600);
    try {
      this.#localFd = file.local ? openSync(file.target, 'r') : undefined;
      if (file.entry.fields.size === 0) this.#check(new Uint8Array(0), 0, 0);
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  get done(): boolean {
    return this.#left === 0;
  }

  /** write puts a run in place: a local run read from the copy here, a fetched one from `bytes`. */
  write(run: Run, fetched?: Uint8Array): void {
    const { blockSize } = this.#context.remote.params;
    const offset = run.first * blockSize;
    const length = runBytes(this.file, run, blockSize);
    try {
      let bytes: Uint8Array;
      if (fetched === undefined) {
        bytes = new Uint8Array(length);
        if (readSync(this.#localFd!, bytes, 0, length, offset) !== length) throw new SyncVerifyError(`${shown(this.file.entry.key)}: the local file changed while it was synced`);
        this.#context.counts.blocksReused += run.end - run.first;
      } else {
        bytes = fetched;
        this.#context.counts.blocksFetched += run.end - run.first;
      }
      this.#check(bytes, run.first, run.end - run.first);
      for (let written = 0; written < bytes.length; ) written += writeSync(this.#out, bytes, written, bytes.length - written, offset + written);
      this.#left--;
    } catch (error) {
      this.abort();
      throw error;
    }
  }

  finish(): void {
    const { entry, target } = this.file;
    const { params } = this.#context.remote;
    try {
      if (params.modes && entry.fields.mode !== undefined) chmodSync(this.#temp, entry.fields.mode);
      fsyncSync(this.#out);
    } catch (error) {
      this.abort();
      throw error;
    }
    this.#close();
    renameSync(this.#temp, target);
    this.#context.counts.filesWritten++;
  }

  abort(): void {
    if (this.#closed) return;
    this.#close();
    rmSync(this.#temp, { force: true });
  }

  #close(): void {
    this.#closed = true;
    closeSync(this.#out);
    if (this.#localFd !== undefined) closeSync(this.#localFd);
  }

  #check(bytes: Uint8Array, first: number, count: number): void {
    const { hasher, remote } = this.#context;
    const { entry, remoteLeaves } = this.file;
    const { blockSize } = remote.params;
    const d = hasher.digestSize;
    if (leafCountOf(entry, blockSize) <= 1) {
      let got: Uint8Array;
      if (entry.fields.size === 0) got = hasher.emptyRoot();
      else if (hasher.rootOfSingleLeaf) got = hasher.rootOfSingleLeaf(bytes);
      else {
        got = new Uint8Array(d);
        hasher.leavesFromBlocks(bytes, blockSize, 0, got);
      }
      if (Buffer.compare(got, entry.fields.root!) !== 0) throw new SyncVerifyError(`${shown(entry.key)}: the peer's bytes do not give the file's root`);
      return;
    }
    const leaves = new Uint8Array(count * d);
    hasher.leavesFromBlocks(bytes, blockSize, first, leaves);
    if (Buffer.compare(leaves, remoteLeaves!.subarray(first * d, (first + count) * d)) !== 0) {
      throw new SyncVerifyError(`${shown(entry.key)}: a block the peer sent in ${first}..${first + count - 1} does not match its leaf hash`);
    }
  }
}

/** removeExtra deletes the local entries the peer does not have, and directories left empty by that. */
async function removeExtra(dir: string, remote: DirIndex): Promise<number> {
  const wanted = new Set(remote.entries.map((e) => Buffer.from(e.key).toString('latin1')));
  const parents = new Set<string>();
  for (const key of wanted) for (let at = key.indexOf('/'); at >= 0; at = key.indexOf('/', at + 1)) parents.add(key.slice(0, at));
  const local = await walkDirectory(dir);
  let removed = 0;
  for (const entry of [...local.entries].reverse()) {
    const key = entry.key.toString('latin1');
    if (wanted.has(key) || parents.has(key)) continue;
    rmSync(Buffer.concat([Buffer.from(dir), Buffer.from('/'), entry.key]), { recursive: entry.type === 'directory', force: true });
    removed++;
  }
  // Directories that held only removed entries.
  const prune = (relative: string): boolean => {
    const full = relative ? path.join(dir, relative) : dir;
    let empty = true;
    for (const child of readdirSync(full, { withFileTypes: true })) {
      const childRelative = relative ? `${relative}/${child.name}` : child.name;
      if (child.isDirectory() && !child.isSymbolicLink()) {
        if (prune(childRelative) && !wanted.has(childRelative) && !parents.has(childRelative)) {
          rmdirSync(path.join(dir, childRelative));
          removed++;
        } else {
          empty = false;
        }
      } else {
        empty = false;
      }
    }
    return empty;
  };
  prune('');
  return removed;
}
