/**
 * The native addon's loader: the one place that knows where merkle_native.node is and, if it
 * did not load, why. Every module that calls the addon (hash kernels, mapped files, the fd
 * reader) asks here, so the addon is loaded once per thread and a missing build is explained
 * the same way everywhere.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// dist/addon/loader.js and src/addon/loader.ts both sit two levels below the package root.
const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kBuiltPath = path.join(kPackageRoot, 'build', 'Release', 'merkle_native.node');

/** The addon's load state: the module's exports, or why it is not there. */
export type AddonState = { addon: Record<string, unknown>; path: string } | { unavailable: string };

let state: AddonState | undefined;

/** libcOf names the C library this Node runs on: glibc or musl (a prebuilt binary is for one of them). */
function libcOf(): string {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime ? 'glibc' : 'musl';
}

/**
 * prebuiltDirectory is where a package ships the addon built at pack time for one platform:
 * prebuilds/<platform>-<arch>[-<libc>] (scripts/prebuild.mjs writes it, with the N-API
 * version it needs in prebuild.json).
 */
function prebuiltDirectory(): string {
  const libc = process.platform === 'linux' ? `-${libcOf()}` : '';
  return path.join(kPackageRoot, 'prebuilds', `${process.platform}-${process.arch}${libc}`);
}

/**
 * addonCandidates are the files tried, in order: MERKLE_NATIVE_ADDON alone when set (the ASan
 * build of `npm run test:asan`); else the addon built from source here (build/Release), then
 * the package's prebuilt one for this platform.
 */
export function* addonCandidates(): Generator<string> {
  if (process.env.MERKLE_NATIVE_ADDON) {
    yield process.env.MERKLE_NATIVE_ADDON;
    return;
  }
  yield kBuiltPath;
  // Lazily: telling glibc from musl takes a process report (milliseconds), needed only here.
  yield path.join(prebuiltDirectory(), 'merkle_native.node');
}

/** nativeAddonPath is the file the addon was loaded from, or the first candidate if none loaded. */
export function nativeAddonPath(): string {
  const loaded = loadNativeAddon();
  return 'path' in loaded ? loaded.path : addonCandidates().next().value!;
}

/** prebuiltProblem says why the prebuilt addon in `dir` cannot run on this Node, or undefined. */
function prebuiltProblem(dir: string): string | undefined {
  try {
    const manifest = JSON.parse(readFileSync(path.join(dir, 'prebuild.json'), 'utf8')) as { napi?: unknown };
    const have = Number(process.versions.napi);
    if (typeof manifest.napi === 'number' && have < manifest.napi) return `the prebuilt addon needs N-API ${manifest.napi}, this Node has ${have}`;
  } catch {
    return 'the prebuilt addon has no readable prebuild.json';
  }
  return undefined;
}

/** loadNativeAddon loads the addon once and returns its exports, or the reason it could not load. */
export function loadNativeAddon(): AddonState {
  if (state) return state;
  const require = createRequire(import.meta.url);
  const reasons: string[] = [];
  for (const candidate of addonCandidates()) {
    if (!existsSync(candidate)) {
      reasons.push(`no ${candidate}`);
      continue;
    }
    const problem = candidate.startsWith(path.join(kPackageRoot, 'prebuilds')) ? prebuiltProblem(path.dirname(candidate)) : undefined;
    if (problem) {
      reasons.push(problem);
      continue;
    }
    try {
      state = { addon: require(candidate), path: candidate };
      return state;
    } catch (error) {
      reasons.push(`${candidate}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`);
    }
  }
  state = {
    unavailable:
      `native addon not loaded (${reasons.join('; ')}); ` +
      'rebuild it with `npm rebuild` (needs python3, make and g++), or use --backend node|wasm',
  };
  return state;
}

/** One kernel built into the addon (native/common/hash_exports.h). */
export interface AddonKernelInfo {
  /** The value of MERKLE_SHA256_KERNEL / MERKLE_BLAKE3_KERNEL that forces it: `shani`, `avx512`. */
  readonly id: string;
  /** The name reports show (HashKernel.kernel): `shani-x4`, `avx512-x16`. */
  readonly name: string;
  readonly lanes: number;
  /** Whether this CPU (and OS) can run it. */
  readonly supported: boolean;
}

/** exports.sha256 and exports.blake3: the same shape for every hash with native kernels. */
export interface AddonHashExports<Functions> {
  /** Every kernel built in, in dispatch order. */
  readonly kernels: readonly AddonKernelInfo[];
  /** The kernel dispatch chose for this process, or why it refused (a forced kernel it cannot run). */
  readonly selected: { readonly id: string } | { readonly error: string };
  /** The batch functions bound to one kernel (positional, checked only for memory safety). */
  withKernel(id: string): Functions & { readonly id: string; readonly name: string };
}

/** addonHash returns the addon's exports for `hash`, or why there are none. */
export function addonHash<Functions>(hash: 'sha256' | 'blake3'): AddonHashExports<Functions> | { unavailable: string } {
  const loaded = loadNativeAddon();
  if ('unavailable' in loaded) return loaded;
  const exports = loaded.addon[hash] as AddonHashExports<Functions> | undefined;
  if (typeof exports?.withKernel !== 'function') return { unavailable: `the native addon was built without ${hash}` };
  return exports;
}

/**
 * dispatchedKernel returns a function that binds, once per process, the kernel the addon's
 * dispatch chose for `hash` (with `bind`), or says why there is none: the addon is missing, or
 * the hash's override variable names a kernel this CPU cannot run.
 */
export function dispatchedKernel<Functions, Kernel>(
  hash: 'sha256' | 'blake3',
  bind: (exports: AddonHashExports<Functions>, id: string) => Kernel,
): () => Kernel | { unavailable: string } {
  let memo: Kernel | { unavailable: string } | undefined;
  return () => {
    if (memo !== undefined) return memo;
    const exports = addonHash<Functions>(hash);
    if ('unavailable' in exports) return (memo = exports);
    const selected = exports.selected;
    return (memo = 'error' in selected ? { unavailable: selected.error } : bind(exports, selected.id));
  };
}
