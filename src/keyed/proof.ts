/**
 * Key proofs verified on the backend the caller picks (the checks: verify-key-proof.ts).
 */
import { registryKernels } from '../hash/load.js';
import type { BackendChoice } from '../hash/types.js';
import { checkKeyProof, type KeyProofResult } from './verify-key-proof.js';

export { kKeyProofVersion, type KeyProof, type KeyProofResult, type ProvenEntry } from './verify-key-proof.js';

/**
 * verifyKeyProof checks `proof` against `root` (the trusted root, bytes or hex) and says
 * whether the key is present and with which digest. Pass `key` to require the proof to be
 * about that key: a valid proof of another key's absence is still a valid proof. Throws
 * ProofError (RootMismatchError for a proof of another root) on anything that does not check.
 */
export function verifyKeyProof(
  proof: unknown,
  root: Uint8Array | string,
  options: { key?: Uint8Array | string; backend?: BackendChoice } = {},
): Promise<KeyProofResult> {
  return checkKeyProof(proof, root, options, registryKernels(options.backend ?? 'auto'));
}
