/**
 * appendToTree: extend a saved block tree by more data, hashing only the new blocks and
 * O(log n) nodes, and write the new tree file atomically (in place by default). The old tree's
 * surviving nodes are copied, not rehashed. `merkle consistency` then proves old ⊑ new.
 */
import { BlockLeafHasher } from '../builders/block-leaves.js';
import { openForReading } from '../builders/file.js';
import { toHex } from '../encoding.js';
import { InputError } from '../errors.js';
import { loadTreeHasher } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import { openTree, type OpenTree } from './open-tree.js';
import { readFully } from '../store/io.js';
import { kLeafModeInfo } from '../store/leaf-modes.js';
import { checkSource } from '../store/source.js';
import { createTreeFileWriter, type TreeFileWriter } from '../store/writer.js';
import { appendTails, keptNodes } from '../tree/append.js';
import { levelCount } from '../tree/levels.js';
import { kProfileNames, kProfiles } from '../tree/profile.js';

export interface AppendOptions {
  /**
   * The tree's original data file. Needed when the old data ended in a short block: that
   * block changes once more data follows it.
   */
  data?: string;
  /** Write the extended tree here instead of replacing the tree file. */
  out?: string;
  backend?: BackendChoice;
}

export interface AppendResult {
  readonly root: Uint8Array;
  readonly rootHex: string;
  readonly oldSize: number;
  readonly size: number;
  /** New bytes appended. */
  readonly bytes: number;
  readonly out: string;
}

const kCopyBytes = 4 * 1024 * 1024;

/** appendToTree extends the tree at `treePath` with the bytes of `more` (a file path, bytes or a stream). */
export async function appendToTree(treePath: string, more: string | Uint8Array | AsyncIterable<Uint8Array>, options: AppendOptions = {}): Promise<AppendResult> {
  const old = await openTree(treePath);
  try {
    const { meta } = old;
    const profile = kProfiles[meta.profile];
    if (!profile.appendable) {
      const appendable = kProfileNames.filter((name) => kProfiles[name].appendable);
      throw new InputError(`${treePath}: append supports ${appendable.join(' and ')} trees, not ${meta.profile}`);
    }
    if (!kLeafModeInfo[meta.leafMode].fixedBlocks) throw new InputError(`${treePath}: append extends block trees; this tree's leaves are ${meta.leafMode}`);
    const { hasher } = await loadTreeHasher(profile, meta.hash, options.backend ?? 'auto');
    const blockSize = meta.blockSize;
    const shortTail = meta.leafCount > 0 ? meta.dataLength % blockSize : 0;
    const kept = shortTail > 0 ? meta.leafCount - 1 : meta.leafCount;

    const leafHasher = new BlockLeafHasher(hasher, blockSize);
    if (shortTail > 0) leafHasher.update(await readShortTail(old, treePath, shortTail, options.data));
    let bytes = 0;
    for await (const chunk of chunksOf(more)) {
      leafHasher.update(chunk);
      bytes += chunk.length;
    }
    const { leaves, leafCount } = leafHasher.finish();
    const size = kept + leafCount;
    const out = options.out ?? treePath;
    if (bytes === 0) throw new InputError('nothing to append: the new data is empty');

    const tails = await appendTails(kept, size, leaves, hasher, profile.lone, async (level, index) => old.getNode(level, index));
    const root = tails[tails.length - 1]!.nodes.slice(0, hasher.digestSize);
    const writer = await createTreeFileWriter(out, {
      profile: meta.profile,
      hash: meta.hash,
      digestSize: meta.digestSize,
      leafMode: 'blocks',
      blockSize,
      leafCount: size,
      dataLength: meta.dataLength + bytes,
    });
    try {
      for (const tail of tails) {
        await copyKeptNodes(old, writer, tail.level, keptNodes(kept, tail.level));
        await writer.writeNodes(tail.level, tail.begin, tail.nodes);
      }
      await writer.commit(root);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    if (levelCount(size) !== tails.length) throw new Error(`internal: ${tails.length} levels for ${size} leaves`);
    return { root, rootHex: toHex(root, profile.reversedDisplay), oldSize: meta.leafCount, size, bytes, out };
  } finally {
    await old.close();
  }
}

/** readShortTail reads the old data's short last block from the original data file, checked against the tree. */
async function readShortTail(old: OpenTree, treePath: string, length: number, dataPath: string | undefined): Promise<Uint8Array> {
  if (dataPath === undefined) {
    throw new InputError(
      `${treePath}: its data ends in a short block (${length} of ${old.meta.blockSize} bytes), which the new data extends; ` +
        'give the original data file (--data FILE) so that block can be rehashed',
    );
  }
  if (old.meta.source) await checkSource(old.reader, dataPath);
  const file = await openForReading(dataPath);
  try {
    const size = Number((await file.stat()).size);
    if (size !== old.meta.dataLength) {
      throw new InputError(`--data ${dataPath}: ${size} bytes, but the tree was built from ${old.meta.dataLength} bytes`);
    }
    const tail = new Uint8Array(length);
    await readFully(file, tail, size - length, dataPath);
    return tail;
  } finally {
    await file.close();
  }
}

async function copyKeptNodes(old: OpenTree, writer: TreeFileWriter, level: number, count: number): Promise<void> {
  const perRead = Math.max(1, Math.floor(kCopyBytes / old.meta.digestSize));
  for (let begin = 0; begin < count; begin += perRead) {
    const end = Math.min(count, begin + perRead);
    await writer.writeNodes(level, begin, await old.reader.getNodes(level, begin, end));
  }
}

async function* chunksOf(more: string | Uint8Array | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  if (more instanceof Uint8Array) {
    yield more;
    return;
  }
  if (typeof more !== 'string') {
    yield* more;
    return;
  }
  const file = await openForReading(more);
  try {
    const buffer = new Uint8Array(kCopyBytes);
    for (let position = 0; ; ) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) return;
      yield buffer.subarray(0, bytesRead);
      position += bytesRead;
    }
  } finally {
    await file.close();
  }
}
