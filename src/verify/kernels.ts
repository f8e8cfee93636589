/**
 * The browser build's kernels: the project's WASM SHA-256 and BLAKE3 builds, whose bytes are in
 * the bundle itself (no file, no fetch), instantiated once on first use — SIMD128 where the engine
 * has it, else scalar — and put behind the kernel contract's checks as the registry does in Node.
 */
import { BackendUnavailableError } from '../errors.js';
import type { KernelSource } from '../hash/kernel-source.js';
import type { HashKernel, HashName } from '../hash/types.js';
import { checkedKernel, checkedTreeKernel } from '../hash/validate.js';
import { instantiateWasmKernels, simd128Supported, type WasmKernelSet } from '../hash/wasm-instance.js';
// Paths as seen from dist/verify/, where the bundler reads this module.
import scalarBuild from '../wasm/merkle-scalar.wasm';
import simd128Build from '../wasm/merkle-simd128.wasm';

let kernels: Promise<WasmKernelSet> | undefined;

/** loadKernels instantiates the kernels on first call and returns them (the same set after). */
export function loadKernels(): Promise<WasmKernelSet> {
  kernels ??= (simd128Supported() ? instantiateWasmKernels(simd128Build, 'simd128') : instantiateWasmKernels(scalarBuild, 'scalar')).then(
    (set) => ({ variant: set.variant, sha256: checkedKernel(set.sha256), blake3: checkedKernel(set.blake3), blake3Tree: checkedTreeKernel(set.blake3Tree) }),
  );
  return kernels;
}

/** The hashes this build carries kernels for; the others (sha3-256, xxh128) need the Node package. */
const kCarried: readonly HashName[] = ['sha256', 'blake3'];

/** embeddedKernels supplies the verifiers with the bundle's kernels. */
export const embeddedKernels: KernelSource = {
  async hashKernel(hash: HashName): Promise<HashKernel> {
    if (!kCarried.includes(hash)) {
      throw new BackendUnavailableError(`the browser build verifies ${kCarried.join(' and ')} trees; ${hash} needs the Node package (merkle-engine)`);
    }
    return (await loadKernels())[hash as 'sha256' | 'blake3'];
  },
  async blake3TreeKernel() {
    return (await loadKernels()).blake3Tree;
  },
};
