/**
 * The project's WebAssembly kernels in Node: the build to run (SIMD128 where the engine has it,
 * or as MERKLE_WASM says), read from dist/wasm and instantiated once per thread (module state
 * is per thread, so kernels never share memory across threads). What an instance provides is
 * wasm-instance.ts.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { instantiateWasmKernels, simd128Supported, type WasmKernelSet, type WasmVariant } from './wasm-instance.js';

export { simd128Supported, type WasmKernelSet, type WasmVariant } from './wasm-instance.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kWasmDir = path.join(kPackageRoot, 'dist', 'wasm');

/**
 * defaultWasmVariant is the build to run here: `simd128` when the engine supports it, unless the
 * environment variable MERKLE_WASM says `scalar` (for tests and comparisons). MERKLE_WASM=simd128
 * insists on SIMD and fails to load where the engine lacks it.
 */
export function defaultWasmVariant(): WasmVariant {
  const forced = process.env['MERKLE_WASM'];
  if (forced === undefined || forced === '' || forced === 'auto') return simd128Supported() ? 'simd128' : 'scalar';
  if (forced === 'simd128' || forced === 'scalar') return forced;
  throw new RangeError(`MERKLE_WASM must be simd128, scalar or auto, got ${JSON.stringify(forced)}`);
}

const loaded = new Map<WasmVariant, Promise<WasmKernelSet>>();

/**
 * loadWasmKernels instantiates the `variant` build (default: defaultWasmVariant()) once per
 * thread and returns its kernels. Rejects if the build is missing (run `npm run build:wasm`),
 * the engine cannot run it, or MERKLE_WASM holds an unknown value.
 */
export function loadWasmKernels(variant?: WasmVariant): Promise<WasmKernelSet> {
  let chosen: WasmVariant;
  try {
    chosen = variant ?? defaultWasmVariant();
  } catch (error) {
    return Promise.reject(error);
  }
  if (chosen !== 'simd128' && chosen !== 'scalar') {
    return Promise.reject(new RangeError(`variant must be simd128 or scalar, got ${String(chosen)}`));
  }
  let set = loaded.get(chosen);
  if (!set) {
    set = instantiate(chosen);
    // A failed load is not cached: a later call (after a build) may succeed.
    set.catch(() => loaded.delete(chosen));
    loaded.set(chosen, set);
  }
  return set;
}

async function instantiate(variant: WasmVariant): Promise<WasmKernelSet> {
  const file = path.join(kWasmDir, `merkle-${variant}.wasm`);
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    const cause = error instanceof Error ? error.message : String(error);
    throw new Error(`WASM kernels not built (${cause}); run \`npm run build:wasm\``, { cause: error });
  }
  return instantiateWasmKernels(bytes, variant);
}
