/**
 * loadTreeHasher: the TreeHasher of a profile over a hash on a chosen backend, plus what runs it.
 */
import type { TreeHasher } from '../tree/hasher.js';
import type { Profile } from '../tree/profile.js';
import { createB3TreeHasher } from './b3tree-hasher.js';
import { selectBlake3TreeKernel } from './blake3-tree.js';
import { selectKernel } from './registry.js';
import { createTreeHasher } from './tree-hasher.js';
import type { BackendChoice, BackendName, HashName } from './types.js';

export interface LoadedTreeHasher {
  readonly hasher: TreeHasher;
  readonly backend: BackendName;
  readonly kernel: string;
}

type HasherMaker = (profile: Profile, hash: HashName, backend: BackendChoice) => Promise<LoadedTreeHasher>;

/** How each profile construction (Profile.construction) gets its TreeHasher. */
const kMakers: Readonly<Record<Profile['construction'], HasherMaker>> = {
  'hash-pairs': async (profile, hash, backend) => {
    const kernel = await selectKernel(hash, backend);
    return { hasher: createTreeHasher(profile, kernel), backend: kernel.backend, kernel: kernel.kernel };
  },
  'blake3-chaining': async (_profile, _hash, backend) => {
    const tree = await selectBlake3TreeKernel(backend);
    return { hasher: createB3TreeHasher(tree), backend: tree.backend, kernel: tree.kernel };
  },
};

/** loadTreeHasher resolves `backend` for `hash` and binds `profile` to it, as its construction says. */
export async function loadTreeHasher(profile: Profile, hash: HashName, backend: BackendChoice): Promise<LoadedTreeHasher> {
  return kMakers[profile.construction](profile, hash, backend);
}
