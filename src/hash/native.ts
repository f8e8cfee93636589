/**
 * The `native` backend: the C++ addon built by binding.gyp at install time.
 * Loading is attempted once; if the addon is missing or fails to load, the reason is kept
 * so `--backend native` can say exactly what is wrong and how to fix it.
 *
 * Its kernels trust their arguments: the registry hands them out behind validate.ts. The addon
 * re-checks sizes only so that no call can ever touch memory past the typed arrays it was given.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { BackendUnavailableError } from '../errors.js';
import type { HashKernel, HashName } from './types.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kAddonPath = path.join(kPackageRoot, 'build', 'Release', 'merkle_native.node');

/** The addon's load state: the module's exports, or why it is not there. */
export type AddonState = { addon: Record<string, unknown> } | { unavailable: string };

let state: AddonState | undefined;

/**
 * loadNativeAddon loads build/Release/merkle_native.node once (every module that needs the
 * addon goes through here) and returns its exports or the reason it could not load.
 * MERKLE_NATIVE_ADDON names another build of the addon (the AddressSanitizer build of
 * `npm run test:asan`).
 */
export function loadNativeAddon(): AddonState {
  if (state) return state;
  try {
    const require = createRequire(import.meta.url);
    state = { addon: require(process.env.MERKLE_NATIVE_ADDON || kAddonPath) };
  } catch (error) {
    const cause = error instanceof Error ? error.message.split('\n')[0] : String(error);
    state = {
      unavailable:
        `native addon not loaded (${cause}); ` +
        'rebuild it with `npm rebuild` (needs python3, make and g++), or use --backend node|wasm',
    };
  }
  return state;
}

/**
 * SHA-256 instruction sets the addon may have a kernel for (MERKLE_KERNEL values).
 * `shani-avx512` is the SHA-NI code compiled with AVX-512 VL, for CPUs that have both.
 */
export type Sha256Isa = 'portable' | 'shani' | 'shani-avx512' | 'avx2' | 'avx512';
export const kSha256Isas: readonly Sha256Isa[] = ['portable', 'shani', 'shani-avx512', 'avx2', 'avx512'];

/** The batch functions the addon exports for one SHA-256 kernel (positional, unchecked types). */
interface AddonSha256Functions {
  readonly kernel: string;
  readonly isa: Sha256Isa;
  hashBlocks(data: Uint8Array, blockSize: number, prefix: number, out: Uint8Array): number;
  hashSpans(data: Uint8Array, offsets: Uint32Array, prefix: number, out: Uint8Array): number;
  hashPairs(level: Uint8Array, count: number, prefix: number, double: boolean, out: Uint8Array): number;
}

/** exports.sha256: the dispatched kernel's functions, or why dispatch refused (MERKLE_KERNEL). */
type AddonSha256 = Partial<AddonSha256Functions> & {
  readonly unavailable?: string;
  readonly kernels: Sha256Isa[];
  _withKernel(name: string): AddonSha256Functions;
};

const kDigestSize = 32;

/** NativeSha256Kernel is the addon's SHA-256 HashKernel for one instruction set. */
export interface NativeSha256Kernel extends HashKernel {
  /** The instruction set: the MERKLE_KERNEL value that selects this kernel. */
  readonly isa: Sha256Isa;
}

function wrapKernel(native: AddonSha256Functions): NativeSha256Kernel {
  return {
    hash: 'sha256',
    backend: 'native',
    kernel: native.kernel,
    isa: native.isa,
    digestSize: kDigestSize,
    hashBlocks(data, blockSize, prefix, out) {
      native.hashBlocks(data, blockSize, prefix, out);
    },
    hashSpans(data, offsets, prefix, out) {
      native.hashSpans(data, offsets, prefix, out);
    },
    hashPairs(level, count, prefix, double, out) {
      native.hashPairs(level, count, prefix, double, out);
    },
  };
}

function addonSha256(): AddonSha256 | { unavailable: string } {
  const loaded = loadNativeAddon();
  if ('unavailable' in loaded) return loaded;
  const sha256 = loaded.addon.sha256 as AddonSha256 | undefined;
  return sha256 ?? { unavailable: 'the native addon has no sha256 kernel' };
}

let dispatched: NativeSha256Kernel | { unavailable: string } | undefined;

/**
 * nativeSha256 returns the dispatched SHA-256 kernel: the fastest this CPU runs, or the one
 * MERKLE_KERNEL forces. Returns the reason instead when the addon is missing or MERKLE_KERNEL
 * names a kernel this CPU cannot run.
 */
export function nativeSha256(): NativeSha256Kernel | { unavailable: string } {
  if (dispatched) return dispatched;
  const sha256 = addonSha256();
  if ('unavailable' in sha256 && sha256.unavailable !== undefined) {
    dispatched = { unavailable: sha256.unavailable };
  } else {
    dispatched = wrapKernel(sha256 as AddonSha256Functions);
  }
  return dispatched;
}

/** nativeSha256Isas lists the SHA-256 kernels this CPU can run, fastest first ([] without the addon). */
export function nativeSha256Isas(): Sha256Isa[] {
  const sha256 = addonSha256();
  return 'kernels' in sha256 ? [...sha256.kernels] : [];
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
  const sha256 = addonSha256();
  if (!('kernels' in sha256)) throw new BackendUnavailableError(sha256.unavailable);
  if (!sha256.kernels.includes(isa)) {
    throw new BackendUnavailableError(
      `this CPU lacks the ${isa} instructions for the native SHA-256 kernel; it can run: ${sha256.kernels.join(', ')}`,
    );
  }
  return wrapKernel(sha256._withKernel(isa));
}

/** nativeKernel returns the addon's kernel for `hash`, or the reason there is none. */
export function nativeKernel(hash: HashName): HashKernel | { unavailable: string } {
  const loaded = loadNativeAddon();
  if ('unavailable' in loaded) return loaded;
  if (hash === 'sha256') return nativeSha256();
  return { unavailable: `the native addon has no ${hash} kernel` };
}
