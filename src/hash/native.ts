/**
 * The `native` backend's SHA-256: the C++ addon built by binding.gyp at install time, loaded by
 * src/addon/loader.ts (which keeps the reason if it is missing, so `--backend native` can say
 * exactly what is wrong and how to fix it). The addon exports SHA-256 in the shape every hash
 * uses (`addonHash`): its kernels, dispatch's choice, and `withKernel(id)`.
 *
 * Its kernels trust their arguments: the registry hands them out behind validate.ts. The addon
 * re-checks sizes only so that no call can ever touch memory past the typed arrays it was given.
 */
import { addonHash, dispatchedKernel, type AddonHashExports } from '../addon/loader.js';
import { BackendUnavailableError } from '../errors.js';
import { nativeBlake3Kernel } from './blake3-native.js';
import type { HashKernel, HashName } from './types.js';

/**
 * SHA-256 instruction sets the addon may have a kernel for (MERKLE_SHA256_KERNEL values).
 * `shani-avx512` is the SHA-NI code compiled with AVX-512 VL, for CPUs that have both.
 */
export type Sha256Isa = 'portable' | 'shani' | 'shani-avx512' | 'avx2' | 'avx512';
export const kSha256Isas: readonly Sha256Isa[] = ['portable', 'shani', 'shani-avx512', 'avx2', 'avx512'];

/** The batch functions the addon binds to one SHA-256 kernel (native/sha256/sha256_napi.cc). */
interface AddonSha256Functions {
  hashBlocks(data: Uint8Array, blockSize: number, prefix: number, out: Uint8Array): void;
  hashSpans(data: Uint8Array, offsets: Uint32Array, prefix: number, out: Uint8Array): void;
  hashPairs(level: Uint8Array, count: number, prefix: number, double: boolean, out: Uint8Array): void;
}

type AddonSha256 = AddonHashExports<AddonSha256Functions>;

const kDigestSize = 32;

/** NativeSha256Kernel is the addon's SHA-256 HashKernel for one instruction set. */
export interface NativeSha256Kernel extends HashKernel {
  /** The instruction set: the MERKLE_SHA256_KERNEL value that selects this kernel. */
  readonly isa: Sha256Isa;
}

function bind(sha256: AddonSha256, isa: string): NativeSha256Kernel {
  const native = sha256.withKernel(isa);
  return {
    hash: 'sha256',
    backend: 'native',
    kernel: native.name,
    isa: native.id as Sha256Isa,
    digestSize: kDigestSize,
    hashBlocks: (data, blockSize, prefix, out) => native.hashBlocks(data, blockSize, prefix, out),
    hashSpans: (data, offsets, prefix, out) => native.hashSpans(data, offsets, prefix, out),
    hashPairs: (level, count, prefix, double, out) => native.hashPairs(level, count, prefix, double, out),
  };
}

/**
 * nativeSha256 returns the dispatched SHA-256 kernel: the fastest this CPU runs, or the one
 * MERKLE_SHA256_KERNEL forces. Returns the reason instead when the addon is missing or it
 * names a kernel this CPU cannot run.
 */
export const nativeSha256: () => NativeSha256Kernel | { unavailable: string } = dispatchedKernel('sha256', bind);

/** nativeSha256Isas lists the SHA-256 kernels this CPU can run, fastest first ([] without the addon). */
export function nativeSha256Isas(): Sha256Isa[] {
  const sha256 = addonHash<AddonSha256Functions>('sha256');
  if ('unavailable' in sha256) return [];
  return sha256.kernels.filter((k) => k.supported).map((k) => k.id as Sha256Isa);
}

/**
 * nativeSha256WithIsa returns the SHA-256 kernel for `isa`, bypassing dispatch (tests and
 * benchmarks use it to run every kernel the CPU has). Throws BackendUnavailableError when the
 * addon is missing or the CPU lacks the instructions.
 */
export function nativeSha256WithIsa(isa: Sha256Isa): NativeSha256Kernel {
  if (!kSha256Isas.includes(isa)) {
    throw new RangeError(`isa must be one of ${kSha256Isas.join(', ')}, got ${String(isa)} of type ${typeof isa}`);
  }
  const sha256 = addonHash<AddonSha256Functions>('sha256');
  if ('unavailable' in sha256) throw new BackendUnavailableError(sha256.unavailable);
  const runnable = nativeSha256Isas();
  if (!runnable.includes(isa)) {
    throw new BackendUnavailableError(
      `this CPU lacks the ${isa} instructions for the native SHA-256 kernel; it can run: ${runnable.join(', ')}`,
    );
  }
  return bind(sha256, isa);
}

/** nativeKernel returns the addon's kernel for `hash`, or the reason there is none. */
export function nativeKernel(hash: HashName): HashKernel | { unavailable: string } {
  if (hash === 'sha256') return nativeSha256();
  if (hash === 'blake3') return nativeBlake3Kernel();
  const sha256 = addonHash('sha256');
  return 'unavailable' in sha256 ? sha256 : { unavailable: `the native addon has no ${hash} kernel` };
}
