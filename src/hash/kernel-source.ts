/**
 * treeHasherFrom: the TreeHasher of a profile over a hash, from whatever supplies kernels — the
 * backend registry in Node (load.ts), the embedded WASM kernels in the browser build (verify/).
 */
import type { TreeHasher } from '../tree/hasher.js';
import type { Profile } from '../tree/profile.js';
import { createB3TreeHasher } from './b3tree-hasher.js';
import { createTreeHasher } from './tree-hasher.js';
import type { BackendName, Blake3TreeKernel, HashKernel, HashName } from './types.js';

/** Supplies the kernels a profile's construction needs. */
export interface KernelSource {
  hashKernel(hash: HashName): Promise<HashKernel>;
  blake3TreeKernel(): Promise<Blake3TreeKernel>;
}

export interface LoadedTreeHasher {
  readonly hasher: TreeHasher;
  readonly backend: BackendName;
  readonly kernel: string;
}

type HasherMaker = (profile: Profile, hash: HashName, source: KernelSource) => Promise<LoadedTreeHasher>;

/** How each profile construction (Profile.construction) gets its TreeHasher. */
const kMakers: Readonly<Record<Profile['construction'], HasherMaker>> = {
  'hash-pairs': async (profile, hash, source) => {
    const kernel = await source.hashKernel(hash);
    return { hasher: createTreeHasher(profile, kernel), backend: kernel.backend, kernel: kernel.kernel };
  },
  'blake3-chaining': async (_profile, _hash, source) => {
    const tree = await source.blake3TreeKernel();
    return { hasher: createB3TreeHasher(tree), backend: tree.backend, kernel: tree.kernel };
  },
};

/** treeHasherFrom binds `profile` over `hash` to kernels from `source`, as its construction says. */
export function treeHasherFrom(profile: Profile, hash: HashName, source: KernelSource): Promise<LoadedTreeHasher> {
  return kMakers[profile.construction](profile, hash, source);
}
