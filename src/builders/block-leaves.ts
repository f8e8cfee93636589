/**
 * BlockLeafHasher turns a byte stream, cut anywhere, into the leaf level of fixed-size blocks.
 *
 * Bytes collect in one reusable chunk buffer of many blocks; a full chunk is hashed in one
 * batched call only once more bytes arrive, so the last block (full or short) is always still
 * pending at `finish()`. That keeps a one-block input's bytes at hand for trees whose single-leaf
 * root is computed from the data (BLAKE3's ROOT flag).
 */
import type { TreeHasher } from '../tree/hasher.js';

/** Target bytes per batched hashing call: big enough that call overhead vanishes. */
const kChunkTargetBytes = 4 * 1024 * 1024;

export class BlockLeafHasher {
  readonly #hasher: TreeHasher;
  readonly #blockSize: number;
  readonly #chunk: Uint8Array;
  #pending = 0;
  #leaves: Uint8Array;
  #leafCount = 0;

  /** `expectedBytes`, when known, sizes the leaf level once instead of growing it. */
  constructor(hasher: TreeHasher, blockSize: number, expectedBytes?: number) {
    this.#hasher = hasher;
    this.#blockSize = blockSize;
    // An input known to be small gets a chunk its size: allocating (and zeroing) megabytes for a
    // few kilobytes cost more than hashing them.
    const targetBytes = expectedBytes === undefined ? kChunkTargetBytes : Math.min(kChunkTargetBytes, Math.max(expectedBytes, 1));
    const blocksPerChunk = Math.max(1, Math.ceil(targetBytes / blockSize));
    this.#chunk = new Uint8Array(blocksPerChunk * blockSize);
    const expectedLeaves = expectedBytes === undefined ? 1024 : Math.max(1, Math.ceil(expectedBytes / blockSize));
    this.#leaves = new Uint8Array(expectedLeaves * hasher.digestSize);
  }

  /** update takes the next bytes of the input. */
  update(data: Uint8Array): void {
    let offset = 0;
    while (offset < data.length) {
      if (this.#pending === this.#chunk.length) this.#hashPending();
      const take = Math.min(data.length - offset, this.#chunk.length - this.#pending);
      this.#chunk.set(data.subarray(offset, offset + take), this.#pending);
      this.#pending += take;
      offset += take;
    }
  }

  /**
   * finish hashes what is pending and returns the leaf level, the leaf count, and for a
   * one-leaf input that leaf's bytes (a view valid until the next update).
   */
  finish(): { leaves: Uint8Array; leafCount: number; singleLeafData?: Uint8Array } {
    const single = this.#leafCount === 0 && this.#pending > 0 && this.#pending <= this.#blockSize;
    const singleLeafData = single ? this.#chunk.subarray(0, this.#pending) : undefined;
    if (this.#pending > 0) this.#hashPending();
    const d = this.#hasher.digestSize;
    return { leaves: this.#leaves.subarray(0, this.#leafCount * d), leafCount: this.#leafCount, singleLeafData };
  }

  #hashPending(): void {
    const d = this.#hasher.digestSize;
    const count = Math.ceil(this.#pending / this.#blockSize);
    const needed = (this.#leafCount + count) * d;
    if (needed > this.#leaves.length) {
      const grown = new Uint8Array(Math.max(needed, this.#leaves.length * 2));
      grown.set(this.#leaves.subarray(0, this.#leafCount * d));
      this.#leaves = grown;
    }
    const out = this.#leaves.subarray(this.#leafCount * d, needed);
    this.#hasher.leavesFromBlocks(this.#chunk.subarray(0, this.#pending), this.#blockSize, this.#leafCount, out);
    this.#leafCount += count;
    this.#pending = 0;
  }
}
