/**
 * Proof documents and their verification, on kernels the caller supplies: the registry's in
 * Node (proofs.ts), the embedded WASM kernels in the browser build (verify/). Nothing here
 * needs Node. Every field of a document is hostile until checked.
 */
import { equalBytes } from '../bytes.js';
import { parseDigestHex, toHex } from '../encoding.js';
import { InputError, ProofError, RootMismatchError } from '../errors.js';
import { treeHasherFrom, type KernelSource } from '../hash/kernel-source.js';
import { kHashInfo, kHashNames, type HashName } from '../hash/types.js';
import { rootFromInclusionProof, verifyConsistency } from '../tree/proof.js';
import { kProfileNames, kProfiles, type ProfileName } from '../tree/profile.js';

export interface InclusionProof {
  readonly type: 'inclusion';
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly treeSize: number;
  readonly index: number;
  /** Leaf block size in bytes when the leaves are blocks (needed to rehash a block: b3tree counters). */
  readonly blockSize?: number;
  readonly leafHash: string;
  /** Sibling hashes from the leaf upward. */
  readonly path: string[];
  readonly root: string;
}

export interface ConsistencyProof {
  readonly type: 'consistency';
  readonly profile: ProfileName;
  readonly hash: HashName;
  readonly size1: number;
  readonly size2: number;
  readonly root1: string;
  readonly root2: string;
  readonly path: string[];
}

export type Proof = InclusionProof | ConsistencyProof;

/** What the verifier is told about the leaf; absent = trust the proof's own leafHash. */
export type LeafClaim = { data: Uint8Array } | { leafHash: string } | undefined;

/** What the caller asserts beside the proof. */
export interface ProofClaims {
  /** The trusted root (hex, display order); absent = the proof's own root. */
  readonly root?: string;
  readonly leaf?: LeafClaim;
}

function field<T>(value: T | undefined, check: (v: unknown) => boolean, name: string, want: string): T {
  if (!check(value)) throw new ProofError(`proof.${name} must be ${want}, got ${JSON.stringify(value)}`, 'ERR_MERKLE_PROOF_FORMAT');
  return value as T;
}
const isCount = (v: unknown): boolean => Number.isSafeInteger(v) && (v as number) >= 0;
const isHexString = (v: unknown): boolean => typeof v === 'string';

function parseProofHash(text: string, hash: HashName, reversed: boolean, where: string): Uint8Array {
  try {
    return parseDigestHex(text, kHashInfo[hash].digestSize, reversed, where);
  } catch (error) {
    throw new ProofError((error as Error).message, 'ERR_MERKLE_PROOF_FORMAT');
  }
}

/**
 * checkProof checks an inclusion or consistency proof document on kernels from `kernels`.
 * Resolves when it verifies; rejects with ProofError (or RootMismatchError) saying what failed,
 * or InputError for a malformed document.
 */
export async function checkProof(proof: Proof, claims: ProofClaims, kernels: KernelSource): Promise<void> {
  if (typeof proof !== 'object' || proof === null) throw new ProofError('proof must be a JSON object', 'ERR_MERKLE_PROOF_FORMAT');
  const profileName = field<ProfileName>(proof.profile, (v) => kProfileNames.includes(v as ProfileName), 'profile', `one of ${kProfileNames.join(', ')}`);
  const hash = field<HashName>(proof.hash, (v) => kHashNames.includes(v as HashName), 'hash', `one of ${kHashNames.join(', ')}`);
  const profile = kProfiles[profileName];
  if (profile.hashes && !profile.hashes.includes(hash)) {
    throw new ProofError(`proof.hash ${hash} does not fit profile ${profileName} (${profile.hashes.join(', ')})`, 'ERR_MERKLE_PROOF_FORMAT');
  }
  const reversed = profile.reversedDisplay;
  const pathTexts = field<string[]>(proof.path, (v) => Array.isArray(v) && v.every(isHexString), 'path', 'an array of hex strings');
  const path = pathTexts.map((text, i) => parseProofHash(text, hash, reversed, `proof.path[${i}]`));
  const { hasher } = await treeHasherFrom(profile, hash, kernels);

  if (proof.type === 'inclusion') {
    const size = field<number>(proof.treeSize, isCount, 'treeSize', 'a whole number');
    const index = field<number>(proof.index, isCount, 'index', 'a whole number');
    if (index >= size) throw new ProofError(`index ${index} out of range for tree size ${size}`, 'ERR_MERKLE_PROOF_INDEX');
    const root = parseProofHash(claims.root ?? field<string>(proof.root, isHexString, 'root', 'a hex string'), hash, reversed, claims.root ? '--root' : 'proof.root');
    const claimed = parseProofHash(field<string>(proof.leafHash, isHexString, 'leafHash', 'a hex string'), hash, reversed, 'proof.leafHash');
    const leaf = claims.leaf;
    let leafHash = claimed;
    if (leaf && 'leafHash' in leaf) leafHash = parseProofHash(leaf.leafHash, hash, reversed, '--leaf-hash');
    if (leaf && 'data' in leaf) {
      if (!profile.leavesFromData) throw new InputError(`profile ${profileName} leaves are hashes, not data: give the leaf hash`);
      if (size === 1 && hasher.rootOfSingleLeaf) {
        // A one-leaf BLAKE3 tree's root is the data's hash with the ROOT flag, not the leaf's CV.
        const calculated = hasher.rootOfSingleLeaf(leaf.data);
        if (!equalBytes(calculated, root)) throw new RootMismatchError(toHex(root, reversed), toHex(calculated, reversed));
        return;
      }
      leafHash = new Uint8Array(hasher.digestSize);
      if (proof.blockSize !== undefined || profile.minBlockSize !== undefined) {
        const blockSize = field<number>(proof.blockSize, (v) => isCount(v) && (v as number) > 0, 'blockSize', 'a positive whole number');
        if (leaf.data.length === 0 || leaf.data.length > blockSize) {
          throw new InputError(`leaf data is ${leaf.data.length} bytes; a block of this tree is 1 to ${blockSize} bytes`);
        }
        hasher.leavesFromBlocks(leaf.data, blockSize, index, leafHash);
      } else {
        hasher.leavesFromSpans(leaf.data, new Uint32Array([0, leaf.data.length]), leafHash);
      }
    }
    if (leaf && !equalBytes(leafHash, claimed)) {
      throw new ProofError(`leaf hash mismatch: the leaf hashes to ${toHex(leafHash, reversed)}, the proof is for ${toHex(claimed, reversed)}`, 'ERR_MERKLE_LEAF_MISMATCH');
    }
    if (size === 1 && hasher.rootOfSingleLeaf) {
      throw new ProofError(
        `a one-leaf ${profileName} tree's root is computed from the leaf's data, not its hash: give the leaf data (--leaf-data)`,
        'ERR_MERKLE_PROOF_NEEDS_DATA',
      );
    }
    const calculated = rootFromInclusionProof(hasher, profile.lone, index, size, leafHash, path);
    if (!equalBytes(calculated, root)) throw new RootMismatchError(toHex(root, reversed), toHex(calculated, reversed));
    return;
  }
  if (proof.type === 'consistency') {
    if (!profile.consistencyProofs) throw new ProofError(`profile ${profileName} has no consistency proofs`, 'ERR_MERKLE_PROOF_FORMAT');
    const size1 = field<number>(proof.size1, isCount, 'size1', 'a whole number');
    const size2 = field<number>(proof.size2, isCount, 'size2', 'a whole number');
    const root1 = parseProofHash(field<string>(proof.root1, isHexString, 'root1', 'a hex string'), hash, false, 'proof.root1');
    const root2 = parseProofHash(claims.root ?? field<string>(proof.root2, isHexString, 'root2', 'a hex string'), hash, false, claims.root ? '--root' : 'proof.root2');
    verifyConsistency(hasher, size1, size2, root1, root2, path);
    return;
  }
  throw new ProofError(`proof.type must be "inclusion" or "consistency", got ${JSON.stringify((proof as { type?: unknown }).type)}`, 'ERR_MERKLE_PROOF_FORMAT');
}
