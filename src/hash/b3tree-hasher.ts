/**
 * The b3tree profile's TreeHasher: BLAKE3's own tree, cut at chunk groups.
 *
 * A leaf is a group of blockSize / 1024 chunks (blockSize a power of two >= 1024); its hash is
 * the group's non-root chaining value, computed with the chunk counters the group has in the
 * whole input (firstLeaf × chunks per group). Nodes are BLAKE3 parent CVs; the top merge sets
 * ROOT. Because BLAKE3's tree is left-balanced, the level-array tree with lone nodes carried up
 * has exactly BLAKE3's shape, and its root is the standard BLAKE3 hash of the data (b3sum).
 * A one-group tree's root is that group's ROOT output, i.e. hash(data); the empty tree's is hash("").
 */
import { InputError } from '../errors.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { Blake3TreeKernel } from './types.js';

const kChunkLen = 1024;
const kDigestSize = 32;

/** createB3TreeHasher binds the b3tree rules to a BLAKE3 tree kernel (native or portable). */
export function createB3TreeHasher(kernel: Blake3TreeKernel): TreeHasher {
  const pair = new Uint8Array(2 * kDigestSize);
  return {
    digestSize: kDigestSize,
    leavesFromBlocks(data, blockSize, firstLeaf, out) {
      // The kernel validates blockSize (a power of two >= 1024) as its groupSize.
      kernel.groupChainingValues(data, blockSize, firstLeaf * (blockSize / kChunkLen), out);
    },
    leavesFromSpans() {
      throw new InputError('profile b3tree hashes fixed-size blocks (chunk groups), not records');
    },
    parents(level, count, out) {
      kernel.parentChainingValues(level, count, out);
    },
    parent(left, right) {
      pair.set(left, 0);
      pair.set(right, kDigestSize);
      const out = new Uint8Array(kDigestSize);
      kernel.parentChainingValues(pair, 1, out);
      return out;
    },
    rootParent(left, right) {
      const out = new Uint8Array(kDigestSize);
      kernel.parentRoot(left, right, out);
      return out;
    },
    rootOfSingleLeaf(data) {
      const out = new Uint8Array(kDigestSize);
      kernel.hash(data, out);
      return out;
    },
    emptyRoot() {
      const out = new Uint8Array(kDigestSize);
      kernel.hash(new Uint8Array(0), out);
      return out;
    },
  };
}
