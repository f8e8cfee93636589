/**
 * The hash layer's contract. A `HashKernel` hashes many independent messages of one shape
 * in a single call — leaf blocks of a buffer, spans of a buffer, or a level of digest pairs —
 * and writes the digests into a caller-given buffer. It knows nothing of trees.
 *
 * Kernels trust their arguments: the registry hands every kernel out behind the checks of
 * `src/hash/validate.ts`, which enforce the requirements written here (one InputError per rule).
 */

/** Hash functions the engine knows. `xxh128` is a non-cryptographic checksum. */
export type HashName = 'sha256' | 'blake3' | 'sha3-256' | 'xxh128';

/** Where the hashing runs. `native` is the C++ addon; `node` is node:crypto; `wasm` is WebAssembly. */
export type BackendName = 'native' | 'node' | 'wasm';

/** `backend` option values: a backend, or `auto` for the fastest one available for the hash. */
export type BackendChoice = BackendName | 'auto';

export const kBackendNames: readonly BackendName[] = ['native', 'node', 'wasm'];

/** Value of a `prefix` argument meaning "no domain-separation byte". */
export const NO_PREFIX = -1;

/** Static facts about a hash function. */
export interface HashInfo {
  readonly name: HashName;
  /** Digest length in bytes. */
  readonly digestSize: number;
  /** False for checksums such as xxh128: no collision or preimage resistance. */
  readonly cryptographic: boolean;
  /** Its number in tree files and sync answers: 1-based, so a zeroed header names none; never reused. */
  readonly code: number;
}

/** The hash registry: everything the engine knows about a hash apart from the backends that run it. */
export const kHashInfo: Readonly<Record<HashName, HashInfo>> = {
  sha256: { name: 'sha256', digestSize: 32, cryptographic: true, code: 1 },
  blake3: { name: 'blake3', digestSize: 32, cryptographic: true, code: 2 },
  'sha3-256': { name: 'sha3-256', digestSize: 32, cryptographic: true, code: 3 },
  xxh128: { name: 'xxh128', digestSize: 16, cryptographic: false, code: 4 },
};

export const kHashNames: readonly HashName[] = Object.keys(kHashInfo) as HashName[];

/** hashWithCode is the hash a tree file or peer names by number, or undefined for an unknown number. */
export function hashWithCode(code: number): HashInfo | undefined {
  return kHashNames.map((name) => kHashInfo[name]).find((info) => info.code === code);
}

/**
 * HashKernel is one hash function on one backend, with batched entry points.
 *
 * In every call, `prefix` is an integer byte (0..255) hashed before each message, or NO_PREFIX.
 * Digests are written to `out` (a Uint8Array) back to back from offset 0; `out` must hold
 * `count × digestSize` bytes. Sizes and counts are integers. Requires all lengths and counts
 * to be consistent.
 */
export interface HashKernel {
  readonly hash: HashName;
  readonly backend: BackendName;
  /** The implementation that runs, e.g. `node:crypto`, `hash-wasm`, `shani-x4`, `avx512-x16`. */
  readonly kernel: string;
  readonly digestSize: number;

  /**
   * hashBlocks hashes the ceil(data.length / blockSize) consecutive blocks of `data`;
   * every block is `blockSize` bytes except the last, which may be short.
   * Requires data.length > 0, blockSize >= 1, and the digests written not to overlap `data`.
   */
  hashBlocks(data: Uint8Array, blockSize: number, prefix: number, out: Uint8Array): void;

  /**
   * hashSpans hashes `offsets.length - 1` messages: message i is data[offsets[i], offsets[i+1]).
   * Requires offsets to hold at least one value, non-decreasing and within data, and the
   * digests written not to overlap `data`.
   */
  hashSpans(data: Uint8Array, offsets: Uint32Array, prefix: number, out: Uint8Array): void;

  /**
   * hashPairs hashes `count` messages: message i is level[2i·d, 2i·d + 2d) where d = digestSize,
   * i.e. two adjacent digests. With `double` (a boolean), each digest is hashed once more
   * (Bitcoin's SHA256d). Requires `level` to hold `count` pairs, and `out` to be `level` itself
   * (hashing in place: digest i lands on bytes already read) or not to overlap it.
   */
  hashPairs(level: Uint8Array, count: number, prefix: number, double: boolean, out: Uint8Array): void;

}

/**
 * Blake3TreeKernel exposes the BLAKE3 internals the `b3tree` profile needs: chaining values
 * (CVs) of chunk groups and of parents, and root outputs. BLAKE3's tree is left-balanced, so
 * every aligned group of 2^g chunks — and a short last group — is a node of the data's
 * BLAKE3 tree, and the ROOT-flagged output of the top node is the standard BLAKE3 hash.
 */
export interface Blake3TreeKernel {
  readonly backend: BackendName;
  readonly kernel: string;

  /**
   * groupChainingValues writes the 32-byte non-root CV of each of the ceil(data.length / groupSize)
   * chunk groups of `data` (the last may be short). The first group starts at chunk counter
   * `firstChunk`. Requires data.length > 0, groupSize a power of two from 1024 to 2^30,
   * firstChunk an integer >= 0 whose last chunk's counter stays below 2^53, and out not
   * overlapping data.
   */
  groupChainingValues(data: Uint8Array, groupSize: number, firstChunk: number, out: Uint8Array): void;

  /**
   * parentChainingValues writes the non-root parent CV of each of the first `count` adjacent CV
   * pairs of `level`. The same requirements as HashKernel.hashPairs (in place or no overlap).
   */
  parentChainingValues(level: Uint8Array, count: number, out: Uint8Array): void;

  /** parentRoot writes the 32-byte root output (ROOT flag) of the parent of two CVs (each exactly 32 bytes). */
  parentRoot(left: Uint8Array, right: Uint8Array, out: Uint8Array): void;

  /** hash writes the standard 32-byte BLAKE3 hash of `data` (any length, including 0). */
  hash(data: Uint8Array, out: Uint8Array): void;
}
