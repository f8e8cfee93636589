/**
 * Which Blake3TreeKernel the b3tree profile runs on: the native addon's (SIMD), else the
 * TypeScript one, so b3tree works wherever the addon does not load.
 */
import { BackendUnavailableError } from '../errors.js';
import { nativeBlake3TreeKernel } from './blake3-native.js';
import { createPortableBlake3TreeKernel } from './blake3-portable.js';
import type { BackendChoice, Blake3TreeKernel } from './types.js';

let portable: Blake3TreeKernel | undefined;

/**
 * selectBlake3TreeKernel returns the tree kernel for `choice`: `native` (the addon), `node`
 * (plain TypeScript, 'ts-portable'), or `auto` (native if it loads, else TypeScript).
 * Throws BackendUnavailableError for `wasm` (no WASM BLAKE3 tree kernel yet) or an unloadable addon.
 */
export function selectBlake3TreeKernel(choice: BackendChoice): Blake3TreeKernel {
  if (choice === 'native' || choice === 'auto') {
    const native = nativeBlake3TreeKernel();
    if (!('unavailable' in native)) return native;
    if (choice === 'native') throw new BackendUnavailableError(`no native BLAKE3 tree kernel: ${native.unavailable}`);
  }
  if (choice === 'wasm') {
    throw new BackendUnavailableError('profile b3tree has no WASM kernel; use --backend native, node or auto');
  }
  portable ??= createPortableBlake3TreeKernel();
  return portable;
}
