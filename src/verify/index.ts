/**
 * merkle-engine/verify: proof verification wherever JavaScript and WebAssembly run — browsers,
 * web workers, Deno, Node — with no Node built-ins. A light client holding only a trusted root
 * checks inclusion and consistency proofs (`merkle proof`, `merkle consistency`) and key proofs
 * (`merkle kv proof`) without the data, on the project's WASM SHA-256 and BLAKE3 kernels, which
 * travel inside this bundle. The checks are the Node package's own (api/verify-proof.ts,
 * keyed/verify-key-proof.ts); only where the kernels come from differs.
 */
import { checkProof, type Proof, type ProofClaims } from '../api/verify-proof.js';
import { checkKeyProof, type KeyProofResult } from '../keyed/verify-key-proof.js';
import { embeddedKernels } from './kernels.js';

export type { ConsistencyProof, InclusionProof, LeafClaim, Proof, ProofClaims } from '../api/verify-proof.js';
export type { KeyProof, KeyProofResult, ProvenEntry } from '../keyed/verify-key-proof.js';
export type { HashKernel } from '../hash/types.js';
export { BackendUnavailableError, InputError, MerkleError, ProofError, RootMismatchError } from '../errors.js';
export { loadKernels } from './kernels.js';

/**
 * verifyProof checks an inclusion or consistency proof document (as `merkle proof` or
 * `merkle consistency` print it). Resolves when it verifies; rejects with ProofError (or
 * RootMismatchError) saying what failed, or InputError for a malformed document. Pass `root`,
 * the root you trust, or the proof is only checked against its own.
 */
export function verifyProof(proof: Proof, claims: ProofClaims = {}): Promise<void> {
  return checkProof(proof, claims, embeddedKernels);
}

/**
 * verifyKeyProof checks a key proof (as `merkle kv proof` prints it) against the trusted `root`
 * (bytes or hex) and says whether the key is present and with which value digest. Pass `key`
 * to require the proof to be about that key.
 */
export function verifyKeyProof(proof: unknown, root: Uint8Array | string, options: { key?: Uint8Array | string } = {}): Promise<KeyProofResult> {
  return checkKeyProof(proof, root, options, embeddedKernels);
}
