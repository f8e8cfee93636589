/**
 * TreeHasher is what tree math is handed: the profile's leaf and node functions, batched.
 * Tree code calls it and never sees bytes being hashed, kernels or backends.
 */
export interface TreeHasher {
  readonly digestSize: number;

  /**
   * leavesFromBlocks writes the leaf hashes of the ceil(data.length / blockSize) blocks of
   * `data` (the last may be short) into `out`. `firstLeaf` is the index of the first block in
   * the whole tree (BLAKE3 chunk counters depend on it). Requires data.length > 0.
   */
  leavesFromBlocks(data: Uint8Array, blockSize: number, firstLeaf: number, out: Uint8Array): void;

  /** leavesFromSpans writes the leaf hash of each record data[offsets[i], offsets[i+1]). */
  leavesFromSpans(data: Uint8Array, offsets: Uint32Array, out: Uint8Array): void;

  /** parents writes the parents of the first `count` adjacent pairs of `level` into `out`. */
  parents(level: Uint8Array, count: number, out: Uint8Array): void;

  /** parent returns the parent of two nodes (not the root; see rootParent). */
  parent(left: Uint8Array, right: Uint8Array): Uint8Array;

  /**
   * rootParent returns the root of a tree whose top merge is (left, right). Equal to `parent`
   * except in trees that mark the root specially (BLAKE3's ROOT flag).
   */
  rootParent(left: Uint8Array, right: Uint8Array): Uint8Array;

  /**
   * rootOfSingleLeaf returns the root of a one-leaf tree from the leaf's data; undefined when
   * it equals the leaf hash. Only BLAKE3 (ROOT flag on the chunk) needs it.
   */
  rootOfSingleLeaf?(data: Uint8Array): Uint8Array;

  /** emptyRoot is the root of a tree with no leaves. */
  emptyRoot(): Uint8Array;
}
