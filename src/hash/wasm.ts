/**
 * The `wasm` backend: works wherever WebAssembly does. SHA-256 and BLAKE3 run on the project's
 * own batched kernels (wasm-kernels.ts: SIMD128 x4, or scalar); SHA3-256 and xxh128 run on
 * hash-wasm, one call per message, since the project has no kernels of its own for them.
 */
import type { IHasher } from 'hash-wasm';
import { kernelFromHashOne } from './message-loop.js';
import { kHashInfo, type Blake3TreeKernel, type HashKernel, type HashName } from './types.js';
import { loadWasmKernels } from './wasm-kernels.js';
import { importModule } from '../import-module.js';

// hash-wasm is imported when first needed: it carries every algorithm it has, and loading it
// costs a build of a small file about 40 ms of start-up.
const kHashWasmFactories: Partial<Record<HashName, () => Promise<IHasher>>> = {
  'sha3-256': async () => (await importModule<typeof import('hash-wasm')>('hash-wasm')).createSHA3(256),
  xxh128: async () => (await importModule<typeof import('hash-wasm')>('hash-wasm')).createXXHash128(),
};

/** wasmKernel returns the WebAssembly kernel for `hash`. */
export async function wasmKernel(hash: HashName): Promise<HashKernel> {
  if (hash === 'sha256' || hash === 'blake3') return (await loadWasmKernels())[hash];
  const factory = kHashWasmFactories[hash];
  if (!factory) throw new Error(`the wasm backend has no ${hash} kernel`);
  return hashWasmKernel(hash, await factory());
}

/** wasmBlake3TreeKernel returns the BLAKE3 chaining-value kernel the b3tree profile needs. */
export async function wasmBlake3TreeKernel(): Promise<Blake3TreeKernel> {
  return (await loadWasmKernels()).blake3Tree;
}

/** hashWasmKernel wraps one hash-wasm hasher as a kernel: one call per message. */
function hashWasmKernel(hash: HashName, hasher: IHasher): HashKernel {
  const prefixByte = new Uint8Array(1);
  return kernelFromHashOne(hash, 'wasm', 'hash-wasm', kHashInfo[hash].digestSize, (message, prefix, out, outOffset) => {
    hasher.init();
    if (prefix >= 0) {
      prefixByte[0] = prefix;
      hasher.update(prefixByte);
    }
    hasher.update(message);
    out.set(hasher.digest('binary'), outOffset);
  });
}
