/**
 * Tree profiles: the rules that make a tree compatible with an outside system. Each profile is
 * a module in ./profiles that declares its rules and its capabilities; code elsewhere asks a
 * profile what it can do and never compares its name. A profile does not hash anything itself
 * (src/hash/load.ts binds a profile to a kernel by its `construction`).
 *
 * Level-array view, shared by every profile: level 0 holds the leaf hashes; level l+1 pairs
 * level l; level l holds ceil(n / 2^l) nodes; node (l, i) covers leaves
 * [i·2^l, min((i+1)·2^l, n)).
 */
import type { HashName } from '../hash/types.js';
import { b3tree } from './profiles/b3tree.js';
import { bitcoin } from './profiles/bitcoin.js';
import { classic } from './profiles/classic.js';
import { rfc9162 } from './profiles/rfc9162.js';

/** What happens to the last node of a level with an odd node count. */
export type LoneNodeRule =
  /** Carried up unchanged (RFC 9162, BLAKE3): equals splitting at the largest power of two. */
  | 'carry'
  /** Paired with itself (classic, Bitcoin): the source of CVE-2012-2459. */
  | 'duplicate';

export interface Profile {
  readonly name: ProfileName;
  /** The profile's number in tree files and on the wire: 1-based, never reused. */
  readonly code: number;
  readonly lone: LoneNodeRule;
  /** Byte hashed before leaf data, or -1. */
  readonly leafPrefix: number;
  /** Byte hashed before each pair of child hashes, or -1. */
  readonly nodePrefix: number;
  /** Node = H(H(L‖R)) (Bitcoin). */
  readonly doubleNode: boolean;
  /**
   * How nodes are computed: `hash-pairs`, by hashing the pair of child digests with the
   * profile's prefix (any HashKernel); `blake3-chaining`, from BLAKE3's chaining values, which a
   * plain hash call cannot give.
   */
  readonly construction: 'hash-pairs' | 'blake3-chaining';
  /**
   * The root is its top node's output under a root flag, not the stored node itself (BLAKE3):
   * a one-leaf tree's level 0 then holds a chaining value, and its root can only be had from
   * the leaf's data; diffs compare the top levels' nodes, not the roots, first.
   */
  readonly rootFlagged: boolean;
  /** Leaves may be given as data (blocks, records); false when only leaf hashes make sense. */
  readonly leavesFromData: boolean;
  /** Leaves may be given as precomputed leaf hashes. */
  readonly leavesFromHashes: boolean;
  /** The fewest leaves a tree may have, and what one leaf is called in the error that says so. */
  readonly minLeaves: { readonly count: number; readonly leaf: string };
  /** Hashes are read and printed byte-reversed (Bitcoin's display order). */
  readonly reversedDisplay: boolean;
  /** Hashes the profile is defined for; undefined = every hash. */
  readonly hashes?: readonly HashName[];
  /** Supports append-only consistency proofs (RFC 9162 §2.1.4). */
  readonly consistencyProofs: boolean;
  /** A saved tree of blocks can be extended in place with more data (`appendToTree`). */
  readonly appendable: boolean;
  /** Leaves are fixed-size blocks only, with a power-of-two size of at least this many bytes. */
  readonly minBlockSize?: number;
  readonly description: string;
}

/** The registry: one line per profile module, in the order help texts list them. */
const kRegistry = { rfc9162, classic, bitcoin, b3tree };

export type ProfileName = keyof typeof kRegistry;

export const kProfiles: Readonly<Record<ProfileName, Profile>> = kRegistry;

export const kProfileNames = Object.keys(kProfiles) as ProfileName[];

const kByCode = new Map<number, Profile>(Object.values(kProfiles).map((profile) => [profile.code, profile]));

/** profileWithCode is the profile a tree file or peer names by number, or undefined for an unknown number. */
export function profileWithCode(code: number): Profile | undefined {
  return kByCode.get(code);
}

/** topNodeIsRoot says whether a tree's stored top node is its root (see Profile.rootFlagged). */
export function topNodeIsRoot(profile: Profile, leafCount: number): boolean {
  return !(profile.rootFlagged && leafCount === 1);
}
