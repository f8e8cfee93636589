/**
 * Backend selection: the one place that decides which kernel hashes what.
 * `auto` takes the first available backend in kAutoOrder (fastest first, as measured by bench/).
 * Every kernel it hands out is behind the contract's argument checks (validate.ts).
 */
import { isMainThread } from 'node:worker_threads';
import { loadNativeAddon } from '../addon/loader.js';
import { BackendUnavailableError } from '../errors.js';
import { nativeKernel } from './native.js';
import { checkedKernel } from './validate.js';
import { kBackendNames, kHashNames, type BackendChoice, type BackendName, type HashKernel, type HashName } from './types.js';

export const kAutoOrder: Readonly<Record<HashName, readonly BackendName[]>> = {
  sha256: ['native', 'node', 'wasm'],
  blake3: ['native', 'wasm'],
  'sha3-256': ['node', 'wasm'],
  xxh128: ['wasm'],
};

type Loaded = HashKernel | { unavailable: string };

const cache = new Map<string, Promise<Loaded>>();

async function loadUncached(hash: HashName, backend: BackendName): Promise<Loaded> {
  switch (backend) {
    case 'native':
      return nativeKernel(hash);
    case 'node':
      return (await import('./node.js')).nodeKernel(hash) ?? { unavailable: `node:crypto has no ${hash}` };
    case 'wasm':
      // Loaded only when asked for, so a native build does not load it at start-up.
      return (await import('./wasm.js')).wasmKernel(hash);
  }
}

/** loadKernel resolves to `backend`'s kernel for `hash`, or a reason it is unavailable. Cached. */
export function loadKernel(hash: HashName, backend: BackendName): Promise<Loaded> {
  const key = `${hash}/${backend}`;
  let loaded = cache.get(key);
  if (!loaded) {
    loaded = loadUncached(hash, backend).then(
      (kernel): Loaded => ('unavailable' in kernel ? kernel : checkedKernel(kernel)),
    ).catch((error: unknown) => ({
      unavailable: error instanceof Error ? error.message : String(error),
    }));
    cache.set(key, loaded);
  }
  return loaded;
}

/** pinnedBackend is MERKLE_BACKEND as set, unchecked: the one place the variable is read (resolveChoice checks it). */
export function pinnedBackend(): string | undefined {
  return process.env.MERKLE_BACKEND;
}

/**
 * resolveChoice applies MERKLE_BACKEND, which pins what `auto` means for the whole process
 * (so a test run, or a user on a platform where one backend misbehaves, can force one).
 * An explicit choice is never overridden.
 */
export function resolveChoice(choice: BackendChoice): BackendChoice {
  const pinned = pinnedBackend();
  if (choice !== 'auto' || pinned === undefined || pinned === '' || pinned === 'auto') return choice;
  if (!(kBackendNames as readonly string[]).includes(pinned)) {
    throw new BackendUnavailableError(`MERKLE_BACKEND must be one of auto, ${kBackendNames.join(', ')}, got ${JSON.stringify(pinned)}`);
  }
  return pinned as BackendName;
}

let warnedNoAddon = false;

/**
 * warnNoNativeAddon says, once per process and from the main thread only (workers would repeat
 * it), that `auto` fell back to a slower backend because the native addon did not load: a
 * missing build is otherwise silent until someone wonders why hashing is slow.
 */
function warnNoNativeAddon(used: BackendName): void {
  const state = loadNativeAddon();
  if (warnedNoAddon || !isMainThread || !('unavailable' in state)) return;
  warnedNoAddon = true;
  process.emitWarning(`merkle-engine: hashing with the ${used} backend: ${state.unavailable}`, { code: 'MERKLE_NO_NATIVE_ADDON' });
}

/**
 * selectKernel resolves to the kernel for `hash` on `choice`; `auto` picks the fastest available.
 * Rejects with BackendUnavailableError saying why when the choice cannot run here.
 */
export async function selectKernel(hash: HashName, requested: BackendChoice): Promise<HashKernel> {
  const choice = resolveChoice(requested);
  const order = choice === 'auto' ? kAutoOrder[hash] : [choice];
  const reasons: string[] = [];
  for (const backend of order) {
    const loaded = await loadKernel(hash, backend);
    if (!('unavailable' in loaded)) {
      if (reasons.length > 0 && order[0] === 'native') warnNoNativeAddon(loaded.backend);
      return loaded;
    }
    reasons.push(`${backend}: ${loaded.unavailable}`);
  }
  throw new BackendUnavailableError(`no backend can hash ${hash} with --backend ${choice}: ${reasons.join('; ')}`);
}

/** One hash's backends as `merkle backends` reports them. */
export interface HashBackendsReport {
  readonly hash: HashName;
  readonly backends: ReadonlyArray<{ backend: BackendName; kernel?: string; unavailable?: string }>;
  /** What `auto` picks, or undefined if nothing can hash it. */
  readonly auto?: BackendName;
}

/** describeBackends reports, for every hash, each backend's kernel (or why it is missing) and auto's pick. */
export async function describeBackends(): Promise<HashBackendsReport[]> {
  const reports: HashBackendsReport[] = [];
  for (const hash of kHashNames) {
    const backends: Array<{ backend: BackendName; kernel?: string; unavailable?: string }> = [];
    for (const backend of kBackendNames) {
      const loaded = await loadKernel(hash, backend);
      backends.push('unavailable' in loaded ? { backend, unavailable: loaded.unavailable } : { backend, kernel: loaded.kernel });
    }
    const pinned = resolveChoice('auto');
    const order = pinned === 'auto' ? kAutoOrder[hash] : [pinned];
    const auto = order.find((b) => backends.some((r) => r.backend === b && r.kernel !== undefined));
    reports.push({ hash, backends, auto });
  }
  return reports;
}
