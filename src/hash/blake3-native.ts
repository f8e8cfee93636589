/**
 * BLAKE3 on the native addon (native/blake3): the HashKernel for hash 'blake3' on backend
 * 'native', and the Blake3TreeKernel the b3tree profile runs on. The addon dispatches once to
 * the widest SIMD kernel the CPU has (MERKLE_KERNEL=portable|sse41|avx2|avx512 forces one);
 * its kernels trust their arguments (the registry hands them out behind validate.ts) and make
 * one addon call per batch.
 */
import { BackendUnavailableError } from '../errors.js';
import { loadNativeAddon } from './native.js';
import type { Blake3TreeKernel, HashKernel } from './types.js';

/** One kernel built into the addon. */
export interface NativeBlake3KernelInfo {
  /** The MERKLE_KERNEL value that forces it: `portable`, `sse41`, `avx2`, `avx512`. */
  readonly id: string;
  /** The name reports show, with its lane count: `avx512-x16`. */
  readonly name: string;
  readonly lanes: number;
  /** Whether this CPU (and OS) can run it. */
  readonly supported: boolean;
}

/** The addon's BLAKE3 functions (native/blake3/blake3_napi.cc). Argument 0 is a kernel index. */
interface Blake3Addon {
  blake3Kernels(): NativeBlake3KernelInfo[];
  blake3Selected(): { index: number } | { error: string };
  blake3HashBlocks(kernel: number, data: Uint8Array, blockSize: number, prefix: number, out: Uint8Array): void;
  blake3HashSpans(kernel: number, data: Uint8Array, offsets: Uint32Array, prefix: number, out: Uint8Array): void;
  blake3HashPairs(kernel: number, level: Uint8Array, count: number, prefix: number, double: boolean, out: Uint8Array): void;
  blake3Hash(kernel: number, data: Uint8Array, out: Uint8Array): void;
  blake3GroupChainingValues(kernel: number, data: Uint8Array, groupSize: number, firstChunk: number, out: Uint8Array): void;
  blake3ParentChainingValues(kernel: number, level: Uint8Array, count: number, out: Uint8Array): void;
  blake3ParentRoot(left: Uint8Array, right: Uint8Array, out: Uint8Array): void;
}

/** Both BLAKE3 faces of one native kernel. */
export interface NativeBlake3 {
  readonly hashKernel: HashKernel;
  readonly treeKernel: Blake3TreeKernel;
}

const kDigestSize = 32;

function loadBlake3Addon(): Blake3Addon | { unavailable: string } {
  const loaded = loadNativeAddon();
  if ('unavailable' in loaded) return loaded;
  if (typeof loaded.addon['blake3HashBlocks'] !== 'function') {
    return { unavailable: 'the native addon was built without BLAKE3' };
  }
  return loaded.addon as unknown as Blake3Addon;
}

function bind(addon: Blake3Addon, index: number, info: NativeBlake3KernelInfo): NativeBlake3 {
  const kernel = info.name;
  const hashKernel: HashKernel = {
    hash: 'blake3',
    backend: 'native',
    kernel,
    digestSize: kDigestSize,
    hashBlocks(data, blockSize, prefix, out) {
      addon.blake3HashBlocks(index, data, blockSize, prefix, out);
    },
    hashSpans(data, offsets, prefix, out) {
      addon.blake3HashSpans(index, data, offsets, prefix, out);
    },
    hashPairs(level, count, prefix, double, out) {
      addon.blake3HashPairs(index, level, count, prefix, double, out);
    },
  };
  const treeKernel: Blake3TreeKernel = {
    backend: 'native',
    kernel,
    groupChainingValues(data, groupSize, firstChunk, out) {
      addon.blake3GroupChainingValues(index, data, groupSize, firstChunk, out);
    },
    parentChainingValues(level, count, out) {
      addon.blake3ParentChainingValues(index, level, count, out);
    },
    parentRoot(left, right, out) {
      addon.blake3ParentRoot(left, right, out);
    },
    hash(data, out) {
      addon.blake3Hash(index, data, out);
    },
  };
  return { hashKernel, treeKernel };
}

let dispatched: NativeBlake3 | { unavailable: string } | undefined;

/**
 * nativeBlake3 returns the kernels of the addon's dispatched BLAKE3 kernel, or why there are
 * none (addon not built, or MERKLE_KERNEL names a kernel this CPU cannot run).
 */
export function nativeBlake3(): NativeBlake3 | { unavailable: string } {
  if (dispatched) return dispatched;
  const addon = loadBlake3Addon();
  if ('unavailable' in addon) return (dispatched = addon);
  const selected = addon.blake3Selected();
  if ('error' in selected) return (dispatched = { unavailable: selected.error });
  dispatched = bind(addon, selected.index, addon.blake3Kernels()[selected.index]!);
  return dispatched;
}

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
  const addon = loadBlake3Addon();
  return 'unavailable' in addon ? [] : addon.blake3Kernels();
}

/**
 * _nativeBlake3WithKernel binds the kernel with this id, bypassing dispatch (test and bench
 * only: the matrix of every kernel the CPU has). Throws BackendUnavailableError if it cannot run here.
 */
export function _nativeBlake3WithKernel(id: string): NativeBlake3 {
  const addon = loadBlake3Addon();
  if ('unavailable' in addon) throw new BackendUnavailableError(addon.unavailable);
  const kernels = addon.blake3Kernels();
  const index = kernels.findIndex((k) => k.id === id);
  if (index < 0) {
    throw new BackendUnavailableError(`no BLAKE3 kernel ${id} in this build (${kernels.map((k) => k.id).join(', ')})`);
  }
  if (!kernels[index]!.supported) throw new BackendUnavailableError(`BLAKE3 kernel ${id} needs CPU features this machine lacks`);
  return bind(addon, index, kernels[index]!);
}
