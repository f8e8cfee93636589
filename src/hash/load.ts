/**
 * loadTreeHasher: the TreeHasher of a profile over a hash on a chosen backend, plus what runs it.
 */
import type { TreeHasher } from '../tree/hasher.js';
import type { Profile } from '../tree/profile.js';
import { selectKernel } from './registry.js';
import { createTreeHasher } from './tree-hasher.js';
import type { BackendChoice, BackendName, HashName } from './types.js';

export interface LoadedTreeHasher {
  readonly hasher: TreeHasher;
  readonly backend: BackendName;
  readonly kernel: string;
}

export async function loadTreeHasher(profile: Profile, hash: HashName, backend: BackendChoice): Promise<LoadedTreeHasher> {
  const kernel = await selectKernel(hash, backend);
  return { hasher: createTreeHasher(profile, kernel), backend: kernel.backend, kernel: kernel.kernel };
}
