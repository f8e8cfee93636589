/**
 * buildTree: the one entry point for building a tree — from a file, bytes, a stream of bytes,
 * records or leaf hashes — optionally written to a tree file.
 */
import type { StreamExtras } from '../builders/checkpointed.js';
import { openForReading } from '../builders/file.js';
import { GrowingLevelSink, MemoryLevelSink, teeSinks, type LevelSink } from '../builders/level-sink.js';
import { checkedRecords, treeFromBytes, treeFromLeafHashes, treeFromRecords } from '../builders/memory.js';
import { treeFromFileParallel } from '../builders/parallel.js';
import type { SegmentedBuild } from '../builders/segment-assembly.js';
import type { StreamTreeBuilder } from '../builders/stream.js';
import { toHex } from '../encoding.js';
import { InputError } from '../errors.js';
import { isFillableSource } from '../io/fillable.js';
import { readText } from '../io/read-only-file.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendName, HashName } from '../hash/types.js';
import { apiOptionName, fillBuildOptionsNamed, type BuildOptions, type FilledBuildOptions, type LeafMode, type OptionNamer } from './options.js';
import type { NodeSource } from './proofs.js';
import type { SourceIdentity, TreeFileMeta } from '../store/format.js';
import { kLeafModeInfo } from '../store/leaf-modes.js';
import type { TreeFileWriter } from '../store/writer.js';
import type { TreeLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import { kProfiles, type Profile, type ProfileName } from '../tree/profile.js';
import { segmentLevelForBytes } from '../tree/segments.js';

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
  /** Identity of a file input (size, mtime), recorded to detect a stale tree later. */
  readonly source?: SourceIdentity;
  /** The tree file written, if `out` was given. */
  readonly out?: string;
}

/** What every builder below reports. */
interface Built {
  root: Uint8Array;
  size: number;
  bytes: number;
  ambiguous: boolean;
  threads: number;
  levels?: TreeLevels;
  source?: SourceIdentity;
  leafMode: LeafMode;
}

/** The build in progress: options, profile and hasher, shared by the input-specific builders. */
interface Job {
  readonly filled: FilledBuildOptions;
  readonly profile: Profile;
  readonly hasher: TreeHasher;
  readonly backend: BackendName;
  readonly name: OptionNamer;
  readonly workerFile?: string;
}

const isAsyncIterable = (value: unknown): value is AsyncIterable<Uint8Array> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
const isRecords = (value: unknown): value is { records: readonly Uint8Array[] } =>
  typeof value === 'object' && value !== null && 'records' in value;
const isLeafHashes = (value: unknown): value is { leafHashes: readonly Uint8Array[] } =>
  typeof value === 'object' && value !== null && 'leafHashes' in value;

/**
 * buildTree builds the Merkle tree of `input` and resolves to its root (and, with
 * `keepLevels`, every level). With `out`, the tree is written to that .mtree file atomically:
 * on any failure the temp file is removed and an existing file at `out` is left as it was.
 * Rejects with InputError naming the bad option, file or line.
 */
export function buildTree(input: TreeInput, options?: BuildOptions): Promise<BuiltTree> {
  return buildTreeNamed(input, options, apiOptionName);
}

/** buildTreeNamed is buildTree with errors naming options as `name` says (the CLI's flags). */
export async function buildTreeNamed(input: TreeInput, options: BuildOptions | undefined, name: OptionNamer): Promise<BuiltTree> {
  const started = process.hrtime.bigint();
  // { records } and { leafHashes } say their leaf mode themselves.
  const implied: LeafMode | undefined = isRecords(input) ? 'records' : isLeafHashes(input) ? 'leaf-hashes' : undefined;
  const filled = fillBuildOptionsNamed(implied ? { ...options, leaves: implied } : options, name);
  const profile = kProfiles[filled.profile];
  const loaded = await loadTreeHasher(profile, filled.hash, filled.backend);
  const job: Job = {
    filled,
    profile,
    hasher: loaded.hasher,
    backend: loaded.backend,
    name,
    workerFile: (options as { workerFile?: string } | undefined)?.workerFile,
  };

  let built: Built;
  if (filled.checkpoint) {
    if (!(typeof input === 'string' || isAsyncIterable(input)) || !kLeafModeInfo[filled.leaves].fixedBlocks) {
      throw new InputError(`${name('checkpoint')} applies to file and stream inputs of block leaves`);
    }
    // The checkpoint modules load with the first checkpointed build.
    const { buildCheckpointed } = await import('../builders/checkpointed.js');
    const identity = { profile: profile.name, hash: filled.hash, blockSize: filled.blockSize, segmentLevel: segmentLevelForBytes(filled.blockSize, filled.segmentSize), digestSize: loaded.hasher.digestSize, out: filled.out, signal: filled.signal };
    built = await buildCheckpointed(input, identity, filled.checkpoint, (chunks, extras) => buildFromStream(chunks, job, extras));
  } else if (isRecords(input) || isLeafHashes(input) || input instanceof Uint8Array || !kLeafModeInfo[filled.leaves].fixedBlocks) {
    built = await buildInMemory(input, job);
  } else if (typeof input === 'string') {
    built = await buildFromFile(input, job);
  } else if (isAsyncIterable(input)) {
    built = await buildFromStream(input, job);
  } else {
    throw new InputError('input must be a file path, a Uint8Array, an async iterable of Uint8Array, { records } or { leafHashes }');
  }
  const { minLeaves } = profile;
  if (built.size < minLeaves.count) {
    const least = minLeaves.count === 1 ? `one ${minLeaves.leaf}` : `${minLeaves.count} ${minLeaves.leaf}s`;
    throw new InputError(`${typeof input === 'string' ? input : 'input'}: the ${profile.name} profile needs at least ${least}`);
  }
  const { levels } = built;
  const d = loaded.hasher.digestSize;
  return {
    profile: profile.name,
    hash: filled.hash,
    backend: loaded.backend,
    kernel: loaded.kernel,
    leafMode: built.leafMode,
    blockSize: kLeafModeInfo[built.leafMode].fixedBlocks ? filled.blockSize : undefined,
    size: built.size,
    bytes: built.bytes,
    root: built.root,
    rootHex: toHex(built.root, profile.reversedDisplay),
    levels,
    ambiguous: built.ambiguous,
    threads: built.threads,
    seconds: Number(process.hrtime.bigint() - started) / 1e9,
    source: built.source,
    out: filled.out,
    getNode(level: number, index: number): Uint8Array {
      if (!levels) throw new RangeError('this tree kept no levels in memory: build with keepLevels, or write a tree file with out');
      const nodes = levels.levels[level];
      if (!nodes || !Number.isSafeInteger(index) || index < 0 || (index + 1) * d > nodes.length) {
        throw new RangeError(`no node (${level}, ${index}) in a tree of ${levels.size} leaves`);
      }
      return nodes.subarray(index * d, (index + 1) * d);
    },
  };
}

function treeFileMeta(job: Job, leafMode: LeafMode, tree: { leafCount: number; dataLength: number; source?: SourceIdentity }): TreeFileMeta {
  return {
    profile: job.profile.name,
    hash: job.filled.hash,
    digestSize: job.hasher.digestSize,
    leafMode,
    blockSize: kLeafModeInfo[leafMode].fixedBlocks ? job.filled.blockSize : 0,
    leafCount: tree.leafCount,
    dataLength: tree.dataLength,
    source: tree.source,
  };
}

/** Inputs held in memory or read whole: bytes, records, leaf hashes, and the text modes. */
async function buildInMemory(input: TreeInput, job: Job): Promise<Built> {
  const { filled, profile, hasher, name } = job;
  const lone = profile.lone;
  const sourceName = typeof input === 'string' ? input : 'input';
  let levels: TreeLevels;
  let bytes: number;
  const leafMode = filled.leaves;
  const mode = kLeafModeInfo[leafMode];
  if (isRecords(input)) {
    levels = treeFromRecords(checkedRecords(input.records), hasher, lone);
    bytes = input.records.reduce((sum, r) => sum + r.length, 0);
  } else if (isLeafHashes(input)) {
    const d = hasher.digestSize;
    const flat = new Uint8Array(input.leafHashes.length * d);
    for (const [i, leaf] of input.leafHashes.entries()) {
      if (!(leaf instanceof Uint8Array) || leaf.length !== d) throw new InputError(`leafHashes[${i}] must be a ${d}-byte Uint8Array`);
      flat.set(leaf, i * d);
    }
    levels = treeFromLeafHashes(flat, input.leafHashes.length, hasher, lone);
    bytes = flat.length;
  } else if (input instanceof Uint8Array) {
    if (!mode.fixedBlocks) throw new InputError(`${name('leaves')} ${leafMode} reads text: give a file path or a stream`);
    levels = treeFromBytes(input, filled.blockSize, hasher, lone);
    bytes = input.length;
  } else if (typeof input === 'string' || isAsyncIterable(input)) {
    const text = await readAllText(input);
    const { treeFromText } = await import('../builders/text-leaves.js');
    ({ levels, bytes } = treeFromText(text, mode.textLine!, hasher, profile, sourceName));
  } else {
    throw new InputError('input must be a file path, a Uint8Array, an async iterable of Uint8Array, { records } or { leafHashes }');
  }
  if (filled.out) {
    const { writeTreeFile } = await import('../store/writer.js');
    await writeTreeFile(filled.out, treeFileMeta(job, leafMode, { leafCount: levels.size, dataLength: bytes }), levels, { signal: filled.signal });
  }
  return { root: levels.root, size: levels.size, bytes, ambiguous: levels.ambiguous, threads: 1, levels, leafMode };
}

/** The fields every segmented builder takes, from the job. */
function segmentedBuild(job: Job): SegmentedBuild {
  const { filled } = job;
  return {
    profile: job.profile,
    hash: filled.hash,
    backend: job.backend,
    hasher: job.hasher,
    blockSize: filled.blockSize,
    threads: filled.threads,
    segmentLevel: segmentLevelForBytes(filled.blockSize, filled.segmentSize),
    onProgress: filled.onProgress,
    workerFile: job.workerFile,
  };
}

/** A file in blocks mode: the parallel segment builder, levels written as they come. */
async function buildFromFile(path: string, job: Job): Promise<Built> {
  const { filled, hasher } = job;
  let memory: MemoryLevelSink | undefined;
  let writer: TreeFileWriter | undefined;
  const createSink = async (tree: { leafCount: number; dataLength: number; source: SourceIdentity }): Promise<LevelSink | undefined> => {
    if (filled.keepLevels) memory = new MemoryLevelSink(tree.leafCount, hasher.digestSize);
    if (filled.out) {
      const { createTreeFileWriter } = await import('../store/writer.js');
      writer = await createTreeFileWriter(filled.out, treeFileMeta(job, 'blocks', tree), { signal: filled.signal });
    }
    return teeSinks(memory, writer);
  };
  try {
    const segmented = segmentedBuild(job);
    const built = await treeFromFileParallel({
      ...segmented,
      segmentLevel: filled.segmentSizeGiven ? segmented.segmentLevel : undefined,
      path,
      signal: filled.signal,
      mmap: filled.mmap,
      createSink: filled.keepLevels || filled.out ? createSink : undefined,
    });
    await writer?.commit(built.root);
    const levels = memory && { size: built.size, digestSize: hasher.digestSize, levels: memory.levels, root: built.root, ambiguous: built.ambiguous };
    return { ...built, levels, leafMode: 'blocks' };
  } catch (error) {
    await writer?.abort();
    throw error;
  }
}

/** A stream in blocks mode: segments cut in the main thread, hashed by the pool. */
async function buildFromStream(chunks: AsyncIterable<Uint8Array>, job: Job, extras: StreamExtras = {}): Promise<Built> {
  const { filled, hasher } = job;
  const memory = filled.keepLevels ? new GrowingLevelSink(hasher.digestSize) : undefined;
  // The streaming modules load with the first stream build: a file build does not need them.
  const [{ StreamTreeBuilder }, { SpillLevelSink }] = await Promise.all([import('../builders/stream.js'), import('../store/spill.js')]);
  const spill = extras.spill ?? (filled.out ? await SpillLevelSink.create(filled.out, hasher.digestSize) : undefined);
  const builder: StreamTreeBuilder = new StreamTreeBuilder({
    ...segmentedBuild(job),
    sink: teeSinks(memory, spill),
    resume: extras.resume,
    onSegmentDone: extras.onSegmentDone && (() => extras.onSegmentDone!(builder)),
  });
  try {
    if (isFillableSource(chunks)) {
      // The native fd reader fills the builder's segment buffers itself (src/io/fd-source.ts).
      await builder.readFrom((into) => chunks.fill(into, filled.signal));
    } else {
      for await (const chunk of chunks) {
        filled.signal?.throwIfAborted();
        if (!(chunk instanceof Uint8Array)) throw new InputError(`the stream yielded a ${typeof chunk}, not bytes (Uint8Array or Buffer)`);
        await builder.write(chunk);
      }
    }
    filled.signal?.throwIfAborted();
    const built = await builder.finish();
    const meta = treeFileMeta(job, 'blocks', { leafCount: built.size, dataLength: built.bytes, source: extras.source });
    await spill?.publish(filled.out!, meta, built.root);
    const levels = memory && { size: built.size, digestSize: hasher.digestSize, levels: memory.levels(), root: built.root, ambiguous: built.ambiguous };
    if (!extras.spill) await spill?.discard();
    return { ...built, levels, leafMode: 'blocks', source: extras.source };
  } catch (error) {
    await builder.close();
    // A checkpointed build keeps its spill for the resume; a plain one removes it.
    if (extras.spill) await spill?.close();
    else await spill?.discard();
    throw error;
  }
}

async function readAllText(input: string | AsyncIterable<Uint8Array>): Promise<string> {
  if (typeof input === 'string') {
    await (await openForReading(input)).close();
    return readText(input);
  }
  const chunks: Buffer[] = [];
  for await (const chunk of input) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString('utf8');
}
