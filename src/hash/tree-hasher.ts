/**
 * Binds a profile's leaf and node rules to a hash kernel, giving the TreeHasher that tree math uses.
 */
import { InputError } from '../errors.js';
import type { TreeHasher } from '../tree/hasher.js';
import type { Profile } from '../tree/profile.js';
import type { HashKernel } from './types.js';

/**
 * createTreeHasher returns the TreeHasher of a `hash-pairs` profile over `kernel`; a
 * `blake3-chaining` profile runs on BLAKE3's internals instead (createB3TreeHasher).
 */
export function createTreeHasher(profile: Profile, kernel: HashKernel): TreeHasher {
  if (profile.hashes && !profile.hashes.includes(kernel.hash)) {
    throw new InputError(`profile ${profile.name} is defined for ${profile.hashes.join(', ')}, not ${kernel.hash}`);
  }
  if (profile.construction !== 'hash-pairs') {
    throw new InputError(`profile ${profile.name} is built from ${profile.construction}, not from a HashKernel's pairs (see loadTreeHasher)`);
  }
  const d = kernel.digestSize;
  const { leafPrefix, nodePrefix, doubleNode } = profile;
  const pair = new Uint8Array(2 * d);
  const parent = (left: Uint8Array, right: Uint8Array): Uint8Array => {
    pair.set(left, 0);
    pair.set(right, d);
    const out = new Uint8Array(d);
    kernel.hashPairs(pair, 1, nodePrefix, doubleNode, out);
    return out;
  };
  return {
    digestSize: d,
    leavesFromBlocks(data, blockSize, _firstLeaf, out) {
      kernel.hashBlocks(data, blockSize, leafPrefix, out);
    },
    leavesFromSpans(data, offsets, out) {
      kernel.hashSpans(data, offsets, leafPrefix, out);
    },
    parents(level, count, out) {
      kernel.hashPairs(level, count, nodePrefix, doubleNode, out);
    },
    parent,
    rootParent: parent,
    emptyRoot() {
      const out = new Uint8Array(d);
      kernel.hashSpans(new Uint8Array(0), new Uint32Array([0, 0]), -1, out);
      return out;
    },
  };
}
