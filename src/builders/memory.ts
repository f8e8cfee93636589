/**
 * In-memory builders: a whole tree from bytes in memory, from records, or from leaf hashes.
 * Each makes the leaf level with batched kernel calls and hands it to tree math.
 */
import { InputError } from '../errors.js';
import { buildLevels, type TreeLevels } from '../tree/build.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { LoneNodeRule } from '../tree/profile.js';
import { BlockLeafHasher } from './block-leaves.js';

/** Blocks per batched call when hashing bytes already in memory: calls stay bounded, data is not copied. */
const kBytesPerCall = 4 * 1024 * 1024;

/** treeFromBytes builds the tree of `data` cut into `blockSize`-byte blocks (the last may be short). */
export function treeFromBytes(data: Uint8Array, blockSize: number, hasher: TreeHasher, lone: LoneNodeRule): TreeLevels {
  const d = hasher.digestSize;
  const leafCount = Math.ceil(data.length / blockSize);
  const leaves = new Uint8Array(leafCount * d);
  // The bytes are hashed where they are: no staging buffer (a small input would pay for
  // allocating and zeroing one far larger than itself).
  const blocksPerCall = Math.max(1, Math.floor(kBytesPerCall / blockSize));
  for (let first = 0; first < leafCount; first += blocksPerCall) {
    const count = Math.min(blocksPerCall, leafCount - first);
    const bytes = data.subarray(first * blockSize, Math.min(data.length, (first + count) * blockSize));
    hasher.leavesFromBlocks(bytes, blockSize, first, leaves.subarray(first * d, (first + count) * d));
  }
  const singleLeafRoot = leafCount === 1 ? hasher.rootOfSingleLeaf?.(data) : undefined;
  return buildLevels(leaves, leafCount, hasher, lone, singleLeafRoot);
}

/** treeFromBlockLeaves finishes a BlockLeafHasher and builds the levels above its leaves. */
export function treeFromBlockLeaves(leafHasher: BlockLeafHasher, hasher: TreeHasher, lone: LoneNodeRule): TreeLevels {
  const { leaves, leafCount, singleLeafData } = leafHasher.finish();
  const singleLeafRoot = singleLeafData && hasher.rootOfSingleLeaf?.(singleLeafData);
  return buildLevels(leaves, leafCount, hasher, lone, singleLeafRoot);
}

const kMaxRecordBytes = 2 ** 32 - 1;

/** checkedRecords returns `records` after checking each is bytes and that together they fit one in-memory buffer. */
export function checkedRecords(records: readonly Uint8Array[]): readonly Uint8Array[] {
  let total = 0;
  for (const [i, record] of records.entries()) {
    if (!(record instanceof Uint8Array)) throw new InputError(`records[${i}] must be a Uint8Array`);
    total += record.length;
  }
  if (total > kMaxRecordBytes) throw new InputError(`records total ${total} bytes; in-memory records are limited to 4 GiB`);
  return records;
}

/** treeFromRecords builds the tree whose leaves are the given records (any lengths, including 0). */
export function treeFromRecords(records: readonly Uint8Array[], hasher: TreeHasher, lone: LoneNodeRule): TreeLevels {
  const offsets = new Uint32Array(records.length + 1);
  let total = 0;
  for (const [i, record] of records.entries()) {
    offsets[i] = total;
    total += record.length;
  }
  offsets[records.length] = total;
  const joined = new Uint8Array(total);
  for (const [i, record] of records.entries()) joined.set(record, offsets[i]!);
  const leaves = new Uint8Array(records.length * hasher.digestSize);
  if (records.length > 0) hasher.leavesFromSpans(joined, offsets, leaves);
  const singleLeafRoot = records.length === 1 ? hasher.rootOfSingleLeaf?.(records[0]!) : undefined;
  return buildLevels(leaves, records.length, hasher, lone, singleLeafRoot);
}

/** treeFromLeafHashes builds the tree above `size` leaf hashes stored back to back in `leaves`. */
export function treeFromLeafHashes(leaves: Uint8Array, size: number, hasher: TreeHasher, lone: LoneNodeRule): TreeLevels {
  return buildLevels(leaves, size, hasher, lone);
}
