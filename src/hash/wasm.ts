/**
 * The `wasm` backend: hash-wasm's WebAssembly builds. Works wherever WebAssembly does; one
 * call per message (the project's own batched WASM kernels replace it for batches later).
 */
import { createBLAKE3, createSHA256, createSHA3, createXXHash128, type IHasher } from 'hash-wasm';
import { kernelFromHashOne } from './message-loop.js';
import { kHashInfo, type HashKernel, type HashName } from './types.js';

const kFactories: Record<HashName, () => Promise<IHasher>> = {
  sha256: () => createSHA256(),
  blake3: () => createBLAKE3(),
  'sha3-256': () => createSHA3(256),
  xxh128: () => createXXHash128(),
};

/** wasmKernel instantiates hash-wasm's module for `hash` and wraps it as a kernel. */
export async function wasmKernel(hash: HashName): Promise<HashKernel> {
  const hasher = await kFactories[hash]();
  const digestSize = kHashInfo[hash].digestSize;
  const prefixByte = new Uint8Array(1);
  return kernelFromHashOne(hash, 'wasm', 'hash-wasm', digestSize, (message, prefix, out, outOffset) => {
    hasher.init();
    if (prefix >= 0) {
      prefixByte[0] = prefix;
      hasher.update(prefixByte);
    }
    hasher.update(message);
    out.set(hasher.digest('binary'), outOffset);
  });
}
