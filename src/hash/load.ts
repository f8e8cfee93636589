/**
 * loadTreeHasher: the TreeHasher of a profile over a hash on a chosen backend, plus what runs it.
 */
import type { Profile } from '../tree/profile.js';
import { selectBlake3TreeKernel } from './blake3-tree.js';
import { treeHasherFrom, type KernelSource, type LoadedTreeHasher } from './kernel-source.js';
import { selectKernel } from './registry.js';
import type { BackendChoice, HashName } from './types.js';

export type { LoadedTreeHasher } from './kernel-source.js';

/** registryKernels supplies kernels from the backend registry, as `backend` chooses. */
export function registryKernels(backend: BackendChoice): KernelSource {
  return {
    hashKernel: (hash) => selectKernel(hash, backend),
    blake3TreeKernel: () => selectBlake3TreeKernel(backend),
  };
}

/** loadTreeHasher resolves `backend` for `hash` and binds `profile` to it, as its construction says. */
export function loadTreeHasher(profile: Profile, hash: HashName, backend: BackendChoice): Promise<LoadedTreeHasher> {
  return treeHasherFrom(profile, hash, registryKernels(backend));
}
