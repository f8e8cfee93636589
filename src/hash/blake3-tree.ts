/**
 * Which Blake3TreeKernel the b3tree profile runs on: the native addon's (SIMD), else the
 * project's WASM kernels, else plain TypeScript — so b3tree works wherever JavaScript does.
 * Every kernel it hands out is behind the contract's argument checks (validate.ts).
 */
import { BackendUnavailableError } from '../errors.js';
import { nativeBlake3TreeKernel } from './blake3-native.js';
import { resolveChoice } from './registry.js';
import type { BackendChoice, Blake3TreeKernel } from './types.js';
import { checkedTreeKernel } from './validate.js';

let portable: Blake3TreeKernel | undefined;

/**
 * selectBlake3TreeKernel resolves to the tree kernel for `choice`: `native` (the addon),
 * `wasm` (the project's WASM kernels), `node` (plain TypeScript, 'ts-portable'), or `auto`
 * (the first of those that loads). Rejects with BackendUnavailableError saying why.
 */
export async function selectBlake3TreeKernel(requested: BackendChoice): Promise<Blake3TreeKernel> {
  const choice = resolveChoice(requested);
  const reasons: string[] = [];
  if (choice === 'native' || choice === 'auto') {
    const native = nativeBlake3TreeKernel();
    if (!('unavailable' in native)) return checkedTreeKernel(native);
    reasons.push(`native: ${native.unavailable}`);
  }
  if (choice === 'wasm' || choice === 'auto') {
    try {
      // Loaded only when needed: fallbacks stay off the start-up path of every build.
      const { wasmBlake3TreeKernel } = await import('./wasm.js');
      return checkedTreeKernel(await wasmBlake3TreeKernel());
    } catch (error) {
      reasons.push(`wasm: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (choice === 'node' || choice === 'auto') {
    portable ??= checkedTreeKernel((await import('./blake3-portable.js')).createPortableBlake3TreeKernel());
    return portable;
  }
  throw new BackendUnavailableError(`no BLAKE3 tree kernel for --backend ${choice}: ${reasons.join('; ')}`);
}
