/**
 * Proof documents: inclusion and consistency proofs as JSON-ready objects, made from any
 * source of nodes (a tree in memory or a tree file), and verified from their JSON form
 * (verify-proof.ts) on the backend the caller picks.
 * Hashes are hex in the profile's display order (byte-reversed for bitcoin).
 */
import { toHex } from '../encoding.js';
import { InputError, ProofError } from '../errors.js';
import { loadTreeHasher, registryKernels } from '../hash/load.js';
import type { BackendChoice, HashName } from '../hash/types.js';
import type { LeafMode } from '../store/leaf-modes.js';
import { consistencyProofNodes, inclusionProofNodes, verifyConsistency } from '../tree/proof.js';
import type { NodeId } from '../tree/levels.js';
import { kProfiles, type ProfileName } from '../tree/profile.js';
import { checkProof, type ConsistencyProof, type InclusionProof, type Proof, type ProofClaims } from './verify-proof.js';

export type { ConsistencyProof, InclusionProof, LeafClaim, Proof } from './verify-proof.js';

/** A tree whose nodes can be read: in memory, or a tree file. */
export interface NodeSource {
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly size: number;
  readonly blockSize?: number;
  /** How the leaves were formed, where the source knows (a built or saved tree does). */
  readonly leafMode?: LeafMode;
  readonly root: Uint8Array;
  getNode(level: number, index: number): Uint8Array | Promise<Uint8Array>;
}

async function fetchNodes(source: NodeSource, ids: readonly NodeId[]): Promise<Uint8Array[]> {
  return Promise.all(ids.map((id) => source.getNode(id.level, id.index)));
}

/** proveInclusion makes the inclusion proof of leaf `index`. Requires 0 <= index < source.size. */
export async function proveInclusion(source: NodeSource, index: number): Promise<InclusionProof> {
  const reversed = kProfiles[source.profile].reversedDisplay;
  const path = await fetchNodes(source, inclusionProofNodes(index, source.size));
  return {
    type: 'inclusion',
    profile: source.profile,
    hash: source.hash,
    treeSize: source.size,
    index,
    ...(source.blockSize ? { blockSize: source.blockSize } : {}),
    leafHash: toHex(await source.getNode(0, index), reversed),
    path: path.map((node) => toHex(node, reversed)),
    root: toHex(source.root, reversed),
  };
}

/** proveConsistency proves that `older` is a prefix of `newer` (RFC 9162 trees only). */
export async function proveConsistency(older: NodeSource, newer: NodeSource): Promise<ConsistencyProof> {
  if (older.profile !== newer.profile || older.hash !== newer.hash) {
    throw new InputError(`trees differ in kind: ${older.profile}/${older.hash} vs ${newer.profile}/${newer.hash}`);
  }
  if (!kProfiles[newer.profile].consistencyProofs) {
    throw new InputError(`profile ${newer.profile} has no consistency proofs (only rfc9162 does)`);
  }
  if (older.size > newer.size) {
    throw new InputError(`the old tree (${older.size} leaves) is larger than the new one (${newer.size})`);
  }
  const path = await fetchNodes(newer, consistencyProofNodes(older.size, newer.size));
  if (older.size > 0) await refuseUnlessPrefix(older, newer, path);
  return {
    type: 'consistency',
    profile: newer.profile,
    hash: newer.hash,
    size1: older.size,
    size2: newer.size,
    root1: toHex(older.root),
    root2: toHex(newer.root),
    path: path.map((node) => toHex(node)),
  };
}

/**
 * refuseUnlessPrefix checks the proof before it is handed out: two trees that share no prefix
 * (another file, or a last block that grew) would otherwise get a proof no verifier accepts.
 */
async function refuseUnlessPrefix(older: NodeSource, newer: NodeSource, path: Uint8Array[]): Promise<void> {
  const { hasher } = await loadTreeHasher(kProfiles[newer.profile], newer.hash, 'auto');
  try {
    verifyConsistency(hasher, older.size, newer.size, older.root, newer.root, path);
  } catch (error) {
    if (!(error instanceof ProofError)) throw error;
    throw new InputError(
      `the old tree is not a prefix of the new one: its ${older.size} leaves are not the new tree's first ${older.size}` +
        ' (a block tree is a prefix only when the old data ends on a block boundary)',
      { cause: error },
    );
  }
}

export interface VerifyOptions extends ProofClaims {
  backend?: BackendChoice;
}

/**
 * verifyProof checks an inclusion or consistency proof document. Resolves when it verifies;
 * rejects with ProofError (or RootMismatchError) saying what failed, or InputError for a
 * malformed document.
 */
export function verifyProof(proof: Proof, options: VerifyOptions = {}): Promise<void> {
  return checkProof(proof, options, registryKernels(options.backend ?? 'auto'));
}
