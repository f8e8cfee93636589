/**
 * Which kernels the bench times. The registry gives each hash × backend as `auto` would
 * dispatch it; on top of that, modules that can force one specific kernel (the native SHA-256
 * ISAs, the native BLAKE3 SIMD widths, the WASM SIMD128/scalar builds) are plugged in through
 * small adapters. Those modules may not exist on a given checkout: they are imported by a
 * computed specifier and a missing one becomes a "skipped: <reason>" row, never a failure.
 */
import { loadKernel } from '../hash/registry.js';
import { kBackendNames, kHashNames, type BackendName, type HashKernel, type HashName } from '../hash/types.js';
import { importModule } from '../import-module.js';

export interface KernelVariant {
  readonly hash: HashName;
  readonly backend: BackendName;
  /** `dispatched`: what the registry picks for this backend; otherwise the forced kernel's id. */
  readonly variant: string;
  readonly kernel: HashKernel;
}

export interface SkippedVariant {
  readonly hash: HashName | '*';
  readonly backend: BackendName;
  readonly variant: string;
  readonly skipped: string;
}

const describeError = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** importOptional imports a sibling module of the hash layer, or resolves to the reason it is absent. */
async function importOptional(specifier: string): Promise<Record<string, unknown> | { missing: string }> {
  try {
    return await importModule(new URL(specifier, import.meta.url).href);
  } catch (error) {
    return { missing: `${specifier} not loadable: ${describeError(error).split('\n')[0]}` };
  }
}

type Adapter = () => Promise<Array<KernelVariant | SkippedVariant>>;

/** Native SHA-256: every ISA the CPU can run, through nativeSha256Isas / nativeSha256WithIsa. */
const nativeSha256Adapter: Adapter = async () => {
  const mod = await importOptional('../hash/native.js');
  const none = (why: string): SkippedVariant[] => [{ hash: 'sha256', backend: 'native', variant: 'forced ISAs', skipped: why }];
  if ('missing' in mod) return none(mod.missing as string);
  const isas = mod['nativeSha256Isas'];
  const withIsa = mod['nativeSha256WithIsa'];
  if (typeof isas !== 'function' || typeof withIsa !== 'function') {
    return none('src/hash/native.ts exports no nativeSha256Isas/nativeSha256WithIsa here (per-ISA SHA-256 kernels not in this build)');
  }
  const list = (isas as () => string[])();
  if (list.length === 0) return none('the native addon has no SHA-256 kernel this CPU can run (or is not built)');
  return list.map((isa): KernelVariant | SkippedVariant => {
    try {
      return { hash: 'sha256', backend: 'native', variant: isa, kernel: (withIsa as (i: string) => HashKernel)(isa) };
    } catch (error) {
      return { hash: 'sha256', backend: 'native', variant: isa, skipped: describeError(error) };
    }
  });
};

/** Native BLAKE3: every SIMD width built in, through _nativeBlake3Kernels / _nativeBlake3WithKernel. */
const nativeBlake3Adapter: Adapter = async () => {
  const mod = await importOptional('../hash/blake3-native.js');
  const none = (why: string): SkippedVariant[] => [{ hash: 'blake3', backend: 'native', variant: 'forced kernels', skipped: why }];
  if ('missing' in mod) return none(mod.missing as string);
  const list = mod['_nativeBlake3Kernels'];
  const withKernel = mod['_nativeBlake3WithKernel'];
  if (typeof list !== 'function' || typeof withKernel !== 'function') return none('src/hash/blake3-native.ts has no kernel-forcing exports');
  const kernels = (list as () => Array<{ id: string; name: string; supported: boolean }>)();
  if (kernels.length === 0) return none('the native addon has no BLAKE3 kernels (not built)');
  return kernels.map((k): KernelVariant | SkippedVariant => {
    if (!k.supported) return { hash: 'blake3', backend: 'native', variant: k.id, skipped: `this CPU lacks the instructions of ${k.name}` };
    try {
      const bound = (withKernel as (id: string) => { hashKernel: HashKernel })(k.id);
      return { hash: 'blake3', backend: 'native', variant: k.id, kernel: bound.hashKernel };
    } catch (error) {
      return { hash: 'blake3', backend: 'native', variant: k.id, skipped: describeError(error) };
    }
  });
};

/** Project WASM kernels: the SIMD128 and scalar builds, through loadWasmKernels(variant). */
const wasmKernelsAdapter: Adapter = async () => {
  const mod = await importOptional('../hash/wasm-kernels.js');
  const none = (why: string): SkippedVariant[] => [{ hash: '*', backend: 'wasm', variant: 'project kernels', skipped: why }];
  if ('missing' in mod) return none(mod.missing as string);
  const load = mod['loadWasmKernels'];
  if (typeof load !== 'function') return none('src/hash/wasm-kernels.ts has no loadWasmKernels');
  const rows: Array<KernelVariant | SkippedVariant> = [];
  for (const variant of ['simd128', 'scalar']) {
    try {
      const set = await (load as (v: string) => Promise<{ sha256: HashKernel; blake3: HashKernel }>)(variant);
      rows.push({ hash: 'sha256', backend: 'wasm', variant, kernel: set.sha256 });
      rows.push({ hash: 'blake3', backend: 'wasm', variant, kernel: set.blake3 });
    } catch (error) {
      rows.push({ hash: '*', backend: 'wasm', variant, skipped: describeError(error) });
    }
  }
  return rows;
};

const kAdapters: readonly Adapter[] = [nativeSha256Adapter, nativeBlake3Adapter, wasmKernelsAdapter];

/**
 * listKernelVariants returns every kernel to time for `hashes`: each backend's dispatched
 * kernel from the registry, then every forced kernel the adapters find, or why each is absent.
 */
export async function listKernelVariants(hashes: readonly HashName[] = kHashNames): Promise<Array<KernelVariant | SkippedVariant>> {
  const rows: Array<KernelVariant | SkippedVariant> = [];
  for (const hash of hashes) {
    for (const backend of kBackendNames) {
      const loaded = await loadKernel(hash, backend);
      if ('unavailable' in loaded) rows.push({ hash, backend, variant: 'dispatched', skipped: loaded.unavailable });
      else rows.push({ hash, backend, variant: 'dispatched', kernel: loaded });
    }
  }
  for (const adapter of kAdapters) {
    for (const row of await adapter()) {
      if (row.hash === '*' || hashes.includes(row.hash)) rows.push(row);
    }
  }
  return rows;
}
