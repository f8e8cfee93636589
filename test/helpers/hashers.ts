/** Test shortcuts: a profile's TreeHasher on a given backend. */
import { loadTreeHasher } from '../../src/hash/load.js';
import type { BackendChoice, HashName } from '../../src/hash/types.js';
import type { TreeHasher } from '../../src/tree/hasher.js';
import { kProfiles, type ProfileName } from '../../src/tree/profile.js';

export async function treeHasher(profile: ProfileName, hash: HashName = 'sha256', backend: BackendChoice = 'auto'): Promise<TreeHasher> {
  return (await loadTreeHasher(kProfiles[profile], hash, backend)).hasher;
}
