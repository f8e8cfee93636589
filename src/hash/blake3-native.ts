/**
 * BLAKE3 on the native addon (native/blake3): the HashKernel for hash 'blake3' on backend
 * 'native', and the Blake3TreeKernel the b3tree profile runs on. The addon dispatches once to
 * the widest SIMD kernel the CPU has (MERKLE_BLAKE3_KERNEL=portable|sse41|avx2|avx512 forces one);
 * its kernels trust their arguments (the registry hands them out behind validate.ts) and make
 * one addon call per batch.
 */
import { BackendUnavailableError } from '../errors.js';
import { addonHash, dispatchedKernel, type AddonHashExports, type AddonKernelInfo } from '../addon/loader.js';
import type { Blake3TreeKernel, HashKernel } from './types.js';

/** One kernel built into the addon. */
export type NativeBlake3KernelInfo = AddonKernelInfo;

/** The functions the addon binds to one BLAKE3 kernel (native/blake3/blake3_napi.cc). */
interface Blake3Functions {
  hashBlocks(data: Uint8Array, blockSize: number, prefix: number, out: Uint8Array): void;
  hashSpans(data: Uint8Array, offsets: Uint32Array, prefix: number, out: Uint8Array): void;
  hashPairs(level: Uint8Array, count: number, prefix: number, double: boolean, out: Uint8Array): void;
  hash(data: Uint8Array, out: Uint8Array): void;
  groupChainingValues(data: Uint8Array, groupSize: number, firstChunk: number, out: Uint8Array): void;
  parentChainingValues(level: Uint8Array, count: number, out: Uint8Array): void;
  parentRoot(left: Uint8Array, right: Uint8Array, out: Uint8Array): void;
}

type Blake3Addon = AddonHashExports<Blake3Functions>;

/** Both BLAKE3 faces of one native kernel. */
export interface NativeBlake3 {
  readonly hashKernel: HashKernel;
  readonly treeKernel: Blake3TreeKernel;
}

const kDigestSize = 32;

function bind(addon: Blake3Addon, id: string): NativeBlake3 {
  const f = addon.withKernel(id);
  const hashKernel: HashKernel = {
    hash: 'blake3',
    backend: 'native',
    kernel: f.name,
    digestSize: kDigestSize,
    hashBlocks: (data, blockSize, prefix, out) => f.hashBlocks(data, blockSize, prefix, out),
    hashSpans: (data, offsets, prefix, out) => f.hashSpans(data, offsets, prefix, out),
    hashPairs: (level, count, prefix, double, out) => f.hashPairs(level, count, prefix, double, out),
  };
  const treeKernel: Blake3TreeKernel = {
    backend: 'native',
    kernel: f.name,
    groupChainingValues: (data, groupSize, firstChunk, out) => f.groupChainingValues(data, groupSize, firstChunk, out),
    parentChainingValues: (level, count, out) => f.parentChainingValues(level, count, out),
    parentRoot: (left, right, out) => f.parentRoot(left, right, out),
    hash: (data, out) => f.hash(data, out),
  };
  return { hashKernel, treeKernel };
}

/**
 * nativeBlake3 returns the kernels of the addon's dispatched BLAKE3 kernel, or why there are
 * none (addon not built, or MERKLE_BLAKE3_KERNEL names a kernel this CPU cannot run).
 */
export const nativeBlake3: () => NativeBlake3 | { unavailable: string } = dispatchedKernel('blake3', bind);

/** nativeBlake3Kernel is the registry's `native` HashKernel for blake3, or why there is none. */
export function nativeBlake3Kernel(): HashKernel | { unavailable: string } {
  const native = nativeBlake3();
  return 'unavailable' in native ? native : native.hashKernel;
}

/** nativeBlake3TreeKernel is the native Blake3TreeKernel, or why there is none. */
export function nativeBlake3TreeKernel(): Blake3TreeKernel | { unavailable: string } {
  const native = nativeBlake3();
  return 'unavailable' in native ? native : native.treeKernel;
}

/** _nativeBlake3Kernels lists the addon's BLAKE3 kernels (test and diagnostics only); [] without the addon. */
export function _nativeBlake3Kernels(): NativeBlake3KernelInfo[] {
  const addon = addonHash<Blake3Functions>('blake3');
  return 'unavailable' in addon ? [] : [...addon.kernels];
}

/**
 * _nativeBlake3WithKernel binds the kernel with this id, bypassing dispatch (test and bench
 * only: the matrix of every kernel the CPU has). Throws BackendUnavailableError if it cannot run here.
 */
export function _nativeBlake3WithKernel(id: string): NativeBlake3 {
  const addon = addonHash<Blake3Functions>('blake3');
  if ('unavailable' in addon) throw new BackendUnavailableError(addon.unavailable);
  const kernels = addon.kernels;
  const index = kernels.findIndex((k) => k.id === id);
  if (index < 0) {
    throw new BackendUnavailableError(`no BLAKE3 kernel ${id} in this build (${kernels.map((k) => k.id).join(', ')})`);
  }
  if (!kernels[index]!.supported) throw new BackendUnavailableError(`BLAKE3 kernel ${id} needs CPU features this machine lacks`);
  return bind(addon, id);
}
