/**
 * Proofs in two steps (as transparency-dev does): first *which* nodes a proof needs
 * (pure index math), then rehashing from the fetched digests. Fetching is the caller's:
 * from memory, or with positioned reads from a tree file.
 */
import { equalBytes } from '../bytes.js';
import { toHex as hex } from '../encoding.js';
import { ProofError, RootMismatchError } from '../errors.js';
import type { TreeHasher } from './hasher.js';
import { largestPowerOfTwoBelow, levelCount, levelSize, nodeOfRange, type NodeId } from './levels.js';
import type { LoneNodeRule } from './profile.js';


/**
 * inclusionProofNodes lists the siblings on the path from leaf `index` to the root of a tree
 * of `size` leaves, leaf level first. A lone last node has no sibling: under `carry` it rises
 * unchanged, under `duplicate` it pairs with itself; either way the verifier knows from
 * (index, size) and the proof carries nothing for that level.
 * Requires 0 <= index < size.
 */
export function inclusionProofNodes(index: number, size: number): NodeId[] {
  if (!(Number.isSafeInteger(index) && index >= 0 && index < size)) {
    throw new ProofError(`index ${index} out of range for tree size ${size}`, 'ERR_MERKLE_PROOF_INDEX');
  }
  const nodes: NodeId[] = [];
  for (let level = 0, i = index; level < levelCount(size) - 1; level++, i = Math.floor(i / 2)) {
    const sibling = i ^ 1;
    if (sibling < levelSize(size, level)) nodes.push({ level, index: sibling });
  }
  return nodes;
}

/** inclusionProofLength is the number of hashes in a valid inclusion proof for (index, size). */
export function inclusionProofLength(index: number, size: number): number {
  return inclusionProofNodes(index, size).length;
}

/**
 * rootFromInclusionProof recomputes the root from a leaf hash and its proof path.
 * Throws ProofError on a wrong path length, and under the `duplicate` rule on a path that
 * pairs a node with an equal left neighbour at the end of a level: such a node may be the
 * duplicate of a lone node (CVE-2012-2459), i.e. not a leaf of the tree at all.
 * Requires 0 <= index < size.
 */
export function rootFromInclusionProof(
  hasher: TreeHasher,
  lone: LoneNodeRule,
  index: number,
  size: number,
  leafHash: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array {
  if (!(Number.isSafeInteger(index) && index >= 0 && index < size)) {
    throw new ProofError(`index ${index} out of range for tree size ${size}`, 'ERR_MERKLE_PROOF_INDEX');
  }
  const want = inclusionProofLength(index, size);
  if (path.length !== want) {
    throw new ProofError(`wrong proof size ${path.length}, want ${want}`, 'ERR_MERKLE_PROOF_SIZE');
  }
  const d = hasher.digestSize;
  for (const [k, node] of path.entries()) {
    if (node.length !== d) {
      throw new ProofError(`proof hash ${k} is ${node.length} bytes, want ${d}`, 'ERR_MERKLE_PROOF_HASH');
    }
  }
  if (leafHash.length !== d) {
    throw new ProofError(`leaf hash is ${leafHash.length} bytes, want ${d}`, 'ERR_MERKLE_PROOF_HASH');
  }
  let node = leafHash;
  let next = 0;
  const top = levelCount(size) - 1;
  for (let level = 0, i = index; level < top; level++, i = Math.floor(i / 2)) {
    const width = levelSize(size, level);
    const isTop = level === top - 1;
    const merge = isTop ? hasher.rootParent.bind(hasher) : hasher.parent.bind(hasher);
    if (i % 2 === 1) {
      const left = path[next++]!;
      if (lone === 'duplicate' && i === width - 1 && equalBytes(left, node)) {
        throw new ProofError(
          `node ${i} at level ${level} equals its left sibling at the end of the level: ` +
            'it may be a duplicated lone node (CVE-2012-2459), refused',
          'ERR_MERKLE_PROOF_DUPLICATE',
        );
      }
      node = merge(left, node);
    } else if (i + 1 < width) {
      const right = path[next++]!;
      if (lone === 'duplicate' && i + 1 === width - 1 && equalBytes(right, node)) {
        throw new ProofError(
          `node ${i} at level ${level} equals its right sibling at the end of the level: ` +
            'the pair may be a duplicated lone node (CVE-2012-2459), refused',
          'ERR_MERKLE_PROOF_DUPLICATE',
        );
      }
      node = merge(node, right);
    } else if (lone === 'duplicate') {
      node = merge(node, node);
    }
    // else: a lone node under `carry` rises unchanged.
  }
  return node;
}

/**
 * consistencyProofNodes lists the nodes of the tree of size `size2` that prove the tree of
 * size `size1` is its prefix (RFC 9162 §2.1.4.1, SUBPROOF), in the RFC's order.
 * Requires 0 < size1 <= size2 (a proof from the empty tree is refused: it proves nothing).
 */
export function consistencyProofNodes(size1: number, size2: number): NodeId[] {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2)) {
    throw new ProofError(`tree sizes ${size1} → ${size2}: the old size must be 0 < old <= new`, 'ERR_MERKLE_PROOF_SIZE');
  }
  if (size1 === 0) throw new ProofError('a consistency proof from size 0 proves nothing: refused', 'ERR_MERKLE_PROOF_SIZE');
  const ranges: Array<[number, number]> = [];
  // SUBPROOF(m, D[begin:end], complete): iterative form of the RFC's recursion; each step
  // appends one range and the tail of the list is reversed at the end.
  const walk = (m: number, begin: number, end: number, complete: boolean): void => {
    const n = end - begin;
    if (m === n) {
      if (!complete) ranges.push([begin, end]);
      return;
    }
    const k = largestPowerOfTwoBelow(n);
    if (m <= k) {
      walk(m, begin, begin + k, complete);
      ranges.push([begin + k, end]);
    } else {
      walk(m - k, begin + k, end, false);
      ranges.push([begin, begin + k]);
    }
  };
  if (size1 < size2) walk(size1, 0, size2, true);
  return ranges.map(([begin, end]) => nodeOfRange(begin, end, size2));
}

/**
 * verifyConsistency checks that `root1` (size1) is a prefix of `root2` (size2) under RFC 9162
 * §2.1.4.2. Throws ProofError naming what failed. Requires the `carry` rule (RFC 9162 trees).
 */
export function verifyConsistency(
  hasher: TreeHasher,
  size1: number,
  size2: number,
  root1: Uint8Array,
  root2: Uint8Array,
  proof: readonly Uint8Array[],
): void {
  if (!(Number.isSafeInteger(size1) && Number.isSafeInteger(size2) && size1 >= 0 && size1 <= size2)) {
    throw new ProofError(`tree sizes ${size1} → ${size2}: the old size must be 0 < old <= new`, 'ERR_MERKLE_PROOF_SIZE');
  }
  if (size1 === 0) throw new ProofError('a consistency proof from size 0 proves nothing: refused', 'ERR_MERKLE_PROOF_SIZE');
  const want = consistencyProofNodes(size1, size2).length;
  if (proof.length !== want) {
    throw new ProofError(`wrong proof size ${proof.length}, want ${want}`, 'ERR_MERKLE_PROOF_SIZE');
  }
  if (size1 === size2) {
    if (!equalBytes(root1, root2)) throw new RootMismatchError(hex(root1), hex(root2));
    return;
  }
  const path = [...proof];
  // If size1 is a power of two, the old root is itself the first node of the path.
  if ((size1 & (size1 - 1)) === 0 && size1 <= 2 ** 52) path.unshift(root1);
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0]!;
  let sr = path[0]!;
  for (const c of path.slice(1)) {
    if (sn === 0) throw new ProofError('consistency proof is too long', 'ERR_MERKLE_PROOF_SIZE');
    if (fn % 2 === 1 || fn === sn) {
      fr = hasher.parent(c, fr);
      sr = hasher.parent(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = hasher.parent(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) throw new ProofError('consistency proof is too short', 'ERR_MERKLE_PROOF_SIZE');
  if (!equalBytes(fr, root1)) {
    throw new ProofError(`old root mismatch: calculated ${hex(fr)}, want ${hex(root1)}`, 'ERR_MERKLE_ROOT_MISMATCH');
  }
  if (!equalBytes(sr, root2)) throw new RootMismatchError(hex(root2), hex(sr));
}
