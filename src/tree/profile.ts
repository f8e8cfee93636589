/**
 * Tree profiles: the rules that make a tree compatible with an outside system.
 * A profile says how leaves and nodes are formed and what happens to a lone last node;
 * it does not hash anything itself (src/hash/tree-hasher.ts binds a profile to a kernel).
 *
 * Level-array view, shared by every profile: level 0 holds the leaf hashes; level l+1 pairs
 * level l; level l holds ceil(n / 2^l) nodes; node (l, i) covers leaves
 * [i·2^l, min((i+1)·2^l, n)).
 */
import type { HashName } from '../hash/types.js';

export type ProfileName = 'rfc9162' | 'classic' | 'bitcoin' | 'b3tree';

/** What happens to the last node of a level with an odd node count. */
export type LoneNodeRule =
  /** Carried up unchanged (RFC 9162, BLAKE3): equals splitting at the largest power of two. */
  | 'carry'
  /** Paired with itself (classic, Bitcoin): the source of CVE-2012-2459. */
  | 'duplicate';

export interface Profile {
  readonly name: ProfileName;
  readonly lone: LoneNodeRule;
  /** Byte hashed before leaf data, or -1. */
  readonly leafPrefix: number;
  /** Byte hashed before each pair of child hashes, or -1. */
  readonly nodePrefix: number;
  /** Node = H(H(L‖R)) (Bitcoin). */
  readonly doubleNode: boolean;
  /** Leaves may be given as data (blocks, records); false when only leaf hashes make sense. */
  readonly leavesFromData: boolean;
  /** Leaves may be given as precomputed leaf hashes. */
  readonly leavesFromHashes: boolean;
  /** Hashes are read and printed byte-reversed (Bitcoin's display order). */
  readonly reversedDisplay: boolean;
  /** Hashes the profile is defined for; undefined = every hash. */
  readonly hashes?: readonly HashName[];
  /** Supports append-only consistency proofs (RFC 9162 §2.1.4). */
  readonly consistencyProofs: boolean;
  /** Leaves are fixed-size blocks only, with a power-of-two size of at least this many bytes. */
  readonly minBlockSize?: number;
  readonly description: string;
}

export const kProfiles: Readonly<Record<ProfileName, Profile>> = {
  rfc9162: {
    name: 'rfc9162',
    lone: 'carry',
    leafPrefix: 0x00,
    nodePrefix: 0x01,
    doubleNode: false,
    leavesFromData: true,
    leavesFromHashes: true,
    reversedDisplay: false,
    consistencyProofs: true,
    description: 'Certificate Transparency (RFC 6962/9162): leaf = H(0x00‖data), node = H(0x01‖L‖R), lone node carried up',
  },
  classic: {
    name: 'classic',
    lone: 'duplicate',
    leafPrefix: -1,
    nodePrefix: -1,
    doubleNode: false,
    leavesFromData: true,
    leavesFromHashes: true,
    reversedDisplay: false,
    consistencyProofs: false,
    description: 'textbook: leaf = H(data), node = H(L‖R), lone node paired with itself (no domain separation)',
  },
  bitcoin: {
    name: 'bitcoin',
    lone: 'duplicate',
    leafPrefix: -1,
    nodePrefix: -1,
    doubleNode: true,
    leavesFromData: false,
    leavesFromHashes: true,
    reversedDisplay: true,
    hashes: ['sha256'],
    consistencyProofs: false,
    description: "Bitcoin: leaves are txids, node = SHA256(SHA256(L‖R)), lone node paired with itself, display byte order",
  },
  b3tree: {
    name: 'b3tree',
    lone: 'carry',
    leafPrefix: -1,
    nodePrefix: -1,
    doubleNode: false,
    leavesFromData: true,
    leavesFromHashes: false,
    reversedDisplay: false,
    hashes: ['blake3'],
    consistencyProofs: false,
    minBlockSize: 1024,
    description: "BLAKE3's own tree over chunk groups: the root equals the BLAKE3 hash of the data (b3sum)",
  },
};

export const kProfileNames = Object.keys(kProfiles) as ProfileName[];
