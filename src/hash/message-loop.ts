/**
 * A HashKernel built from a one-message hash function, for backends without batch entry points
 * (node:crypto, hash-wasm). The loops live here once; each backend only says how to hash one
 * message with an optional prefix byte.
 */
import type { BackendName, HashKernel, HashName } from './types.js';

/** Hashes prefix (if >= 0) ‖ message into out[outOffset, outOffset + digestSize). */
export type HashOne = (message: Uint8Array, prefix: number, out: Uint8Array, outOffset: number) => void;

export function kernelFromHashOne(
  hash: HashName,
  backend: BackendName,
  kernel: string,
  digestSize: number,
  hashOne: HashOne,
): HashKernel {
  return {
    hash,
    backend,
    kernel,
    digestSize,
    hashBlocks(data, blockSize, prefix, out) {
      const count = Math.ceil(data.length / blockSize);
      for (let i = 0; i < count; i++) {
        hashOne(data.subarray(i * blockSize, Math.min((i + 1) * blockSize, data.length)), prefix, out, i * digestSize);
      }
    },
    hashSpans(data, offsets, prefix, out) {
      for (let i = 0; i + 1 < offsets.length; i++) {
        hashOne(data.subarray(offsets[i]!, offsets[i + 1]!), prefix, out, i * digestSize);
      }
    },
    hashPairs(level, count, prefix, double, out) {
      const pair = 2 * digestSize;
      for (let i = 0; i < count; i++) {
        const at = i * digestSize;
        hashOne(level.subarray(i * pair, (i + 1) * pair), prefix, out, at);
        if (double) hashOne(out.slice(at, at + digestSize), -1, out, at);
      }
    },
  };
}
