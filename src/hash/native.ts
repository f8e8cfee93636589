/**
 * The `native` backend: the C++ addon built by binding.gyp at install time.
 * Loading is attempted once; if the addon is missing or fails to load, the reason is kept
 * so `--backend native` can say exactly what is wrong and how to fix it.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import type { HashKernel, HashName } from './types.js';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const kAddonPath = path.join(kPackageRoot, 'build', 'Release', 'merkle_native.node');

/** The addon's load state: the module's exports, or why it is not there. */
export type AddonState = { addon: Record<string, unknown> } | { unavailable: string };

let state: AddonState | undefined;

/**
 * loadNativeAddon loads build/Release/merkle_native.node once (every module that needs the
 * addon goes through here) and returns its exports or the reason it could not load.
 */
export function loadNativeAddon(): AddonState {
  if (state) return state;
  try {
    const require = createRequire(import.meta.url);
    state = { addon: require(kAddonPath) };
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

/** nativeKernel returns the addon's kernel for `hash`, or the reason there is none. */
export function nativeKernel(hash: HashName): HashKernel | { unavailable: string } {
  const loaded = loadNativeAddon();
  if ('unavailable' in loaded) return loaded;
  return { unavailable: `the native addon has no ${hash} kernel` };
}
