/**
 * buildTree: the one entry point for building a tree, from a file, bytes, a stream of bytes,
 * records or leaf hashes.
 */
import { readFile } from 'node:fs/promises';
import { toHex } from './encoding.js';
import { InputError } from './errors.js';
import { treeFromBytes, treeFromLeafHashes, treeFromRecords } from './builders/memory.js';
import { openForReading, treeFromStream, type SourceIdentity } from './builders/file.js';
import { MemoryLevelSink } from './builders/level-sink.js';
import { treeFromFileParallel } from './builders/parallel.js';
import { segmentLevelForBytes } from './tree/segments.js';
import { parseLeafHashes, parseRecords } from './builders/text-leaves.js';
import { loadTreeHasher } from './hash/load.js';
import type { BackendName, HashName } from './hash/types.js';
import { fillBuildOptions, type BuildOptions, type LeafMode, type OptionNamer, apiOptionName } from './options.js';
import type { TreeLevels } from './tree/build.js';
import type { TreeHasher } from './tree/hasher.js';
import type { LoneNodeRule } from './tree/profile.js';
import { kProfiles, type ProfileName } from './tree/profile.js';
import type { NodeSource } from './proofs.js';

/**
 * What a tree is built from: a file path; bytes in memory; an async iterable of byte chunks
 * (a Node Readable is one); `{ records }` (each record one leaf); `{ leafHashes }`.
 * A path or a stream is read as blocks, records text or leaf-hash text per `options.leaves`.
 */
export type TreeInput =
  | string
  | Uint8Array
  | AsyncIterable<Uint8Array>
  | { readonly records: readonly Uint8Array[] }
  | { readonly leafHashes: readonly Uint8Array[] };

export interface BuiltTree extends NodeSource {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly backend: BackendName;
  readonly kernel: string;
  readonly leafMode: LeafMode;
  /** Block size in bytes in `blocks` mode, else undefined. */
  readonly blockSize?: number;
  /** Leaf count. */
  readonly size: number;
  /** Bytes of input hashed (data bytes in `blocks` mode; record bytes; leaf-hash bytes). */
  readonly bytes: number;
  readonly root: Uint8Array;
  /** The root as printed: lowercase hex, display order. */
  readonly rootHex: string;
  /** Every level, when kept in memory (see BuildOptions.keepLevels). */
  readonly levels?: TreeLevels;
  /**
   * Duplicating profiles: the tree ends a level in two equal nodes, so a tree with one node
   * fewer there has the same root (CVE-2012-2459).
   */
  readonly ambiguous: boolean;
  /** Threads that hashed. */
  readonly threads: number;
  readonly seconds: number;
  /** Identity of a file input (size, mtime), to detect a stale tree later. */
  readonly source?: SourceIdentity;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<Uint8Array> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

async function readAllText(input: string | AsyncIterable<Uint8Array>): Promise<string> {
  if (typeof input === 'string') {
    await (await openForReading(input)).close();
    return readFile(input, 'utf8');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * buildTree builds the Merkle tree of `input` in memory and resolves to its root and levels.
 * Rejects with InputError naming the bad option, file or line.
 */
export async function buildTree(input: TreeInput, options?: BuildOptions, name: OptionNamer = apiOptionName): Promise<BuiltTree> {
  const started = process.hrtime.bigint();
  // { records } and { leafHashes } say their leaf mode themselves.
  const impliedLeaves =
    typeof input === 'object' && input !== null && 'records' in input
      ? 'records'
      : typeof input === 'object' && input !== null && 'leafHashes' in input
        ? 'leaf-hashes'
        : undefined;
  const filled = fillBuildOptions(impliedLeaves ? { ...options, leaves: impliedLeaves } : options, name);
  const profile = kProfiles[filled.profile];
  const { hasher, backend, kernel } = await loadTreeHasher(profile, filled.hash, filled.backend);
  const d = hasher.digestSize;
  let leafMode: LeafMode = filled.leaves;
  let levels: TreeLevels | undefined;
  let summary: { root: Uint8Array; size: number; ambiguous: boolean } | undefined;
  let bytes: number;
  let threads = 1;
  let source: SourceIdentity | undefined;
  const sourceName = typeof input === 'string' ? input : 'input';

  if (typeof input === 'object' && input !== null && 'records' in input) {
    leafMode = 'records';
    if (!profile.leavesFromData || profile.minBlockSize !== undefined) {
      throw new InputError(`${name('profile')} ${profile.name} cannot take records`);
    }
    levels = checkedRecords(input.records, hasher, profile.lone);
    bytes = input.records.reduce((sum, r) => sum + r.length, 0);
  } else if (typeof input === 'object' && input !== null && 'leafHashes' in input) {
    leafMode = 'leaf-hashes';
    if (!profile.leavesFromHashes) throw new InputError(`${name('profile')} ${profile.name} cannot take leaf hashes`);
    const flat = new Uint8Array(input.leafHashes.length * d);
    for (const [i, leaf] of input.leafHashes.entries()) {
      if (!(leaf instanceof Uint8Array) || leaf.length !== d) {
        throw new InputError(`leafHashes[${i}] must be a ${d}-byte Uint8Array`);
      }
      flat.set(leaf, i * d);
    }
    levels = treeFromLeafHashes(flat, input.leafHashes.length, hasher, profile.lone);
    bytes = flat.length;
  } else if (filled.leaves === 'blocks') {
    if (input instanceof Uint8Array) {
      levels = treeFromBytes(input, filled.blockSize, hasher, profile.lone);
      bytes = input.length;
    } else if (typeof input === 'string') {
      let memory: MemoryLevelSink | undefined;
      const built = await treeFromFileParallel({
        path: input,
        profile,
        hash: filled.hash,
        backend,
        hasher,
        blockSize: filled.blockSize,
        threads: filled.threads,
        segmentLevel: segmentLevelForBytes(filled.blockSize, filled.segmentSize),
        signal: filled.signal,
        onProgress: filled.onProgress,
        createSink: filled.keepLevels ? (size) => (memory = new MemoryLevelSink(size, d)) : undefined,
        workerFile: (options as { workerFile?: string } | undefined)?.workerFile,
      });
      ({ bytes, source, threads } = built);
      levels = memory
        ? { size: built.size, digestSize: d, levels: memory.levels, root: built.root, ambiguous: built.ambiguous }
        : undefined;
      summary = built;
    } else if (isAsyncIterable(input)) {
      ({ tree: levels, bytes } = await treeFromStream(input, filled.blockSize, hasher, profile.lone, filled.signal));
    } else {
      throw new InputError('input must be a file path, a Uint8Array, an async iterable of Uint8Array, { records } or { leafHashes }');
    }
  } else {
    if (!(typeof input === 'string' || isAsyncIterable(input))) {
      throw new InputError(`${name('leaves')} ${filled.leaves} reads text: give a file path or a stream`);
    }
    const text = await readAllText(input);
    if (filled.leaves === 'records') {
      const records = parseRecords(text, sourceName);
      levels = checkedRecords(records, hasher, profile.lone);
      bytes = records.reduce((sum, r) => sum + r.length, 0);
    } else {
      const parsed = parseLeafHashes(text, d, profile.reversedDisplay, sourceName);
      levels = treeFromLeafHashes(parsed.leaves, parsed.size, hasher, profile.lone);
      bytes = parsed.leaves.length;
    }
  }
  const { root, size, ambiguous } = (levels ?? summary)!;
  if (profile.name === 'bitcoin' && size === 0) {
    throw new InputError(`${sourceName}: the bitcoin profile needs at least one txid`);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return {
    profile: profile.name,
    hash: filled.hash,
    backend,
    kernel,
    leafMode,
    blockSize: leafMode === 'blocks' ? filled.blockSize : undefined,
    size,
    bytes,
    root,
    rootHex: toHex(root, profile.reversedDisplay),
    levels,
    ambiguous,
    threads,
    seconds,
    source,
    getNode(level: number, index: number): Uint8Array {
      if (!levels) throw new RangeError('this tree kept no levels in memory: build with keepLevels, or write a tree file');
      const nodes = levels.levels[level];
      if (!nodes || !Number.isSafeInteger(index) || index < 0 || (index + 1) * d > nodes.length) {
        throw new RangeError(`no node (${level}, ${index}) in a tree of ${levels.size} leaves`);
      }
      return nodes.subarray(index * d, (index + 1) * d);
    },
  };
}

const kMaxRecordBytes = 2 ** 32 - 1;

function checkedRecords(records: readonly Uint8Array[], hasher: TreeHasher, lone: LoneNodeRule): TreeLevels {
  let total = 0;
  for (const [i, record] of records.entries()) {
    if (!(record instanceof Uint8Array)) throw new InputError(`records[${i}] must be a Uint8Array`);
    total += record.length;
  }
  if (total > kMaxRecordBytes) throw new InputError(`records total ${total} bytes; in-memory records are limited to 4 GiB`);
  return treeFromRecords(records, hasher, lone);
}
