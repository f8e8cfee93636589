/**
 * detectConflicts: N replicas of one data set, each a tree. The replicas are grouped by root;
 * the largest group is the majority, and every other replica is diffed against it so the
 * report says where each one diverges.
 */
import { toHex } from '../encoding.js';
import { InputError } from '../errors.js';
import { assertComparable, diffTrees } from './diff.js';
import type { NodeSource } from './proofs.js';
import type { IndexRange } from '../tree/diff.js';
import { kProfiles } from '../tree/profile.js';

export interface DivergentReplica {
  /** Position of the replica in the input list. */
  readonly index: number;
  readonly name: string;
  readonly root: string;
  readonly size: number;
  /** Leaf ranges where it differs from the majority (common prefix). */
  readonly ranges: IndexRange[];
  /** Leaves it has beyond the majority's end. */
  readonly added?: IndexRange;
  /** Majority leaves it lacks. */
  readonly removed?: IndexRange;
  readonly nodesCompared: number;
}

export interface ConflictReport {
  /** Every replica has the majority root and size. */
  readonly agree: boolean;
  readonly majorityRoot: string;
  readonly majoritySize: number;
  /** Indexes of the replicas in the majority. */
  readonly majority: number[];
  /** More than one group has the largest count: the majority is the first such group in input order. */
  readonly tie: boolean;
  readonly divergent: DivergentReplica[];
}

/**
 * detectConflicts compares `replicas` (at least two trees of one profile, hash and block size),
 * named by `names` (default "replica i"). Rejects with IncompatibleTreesError for mixed trees.
 */
export async function detectConflicts(replicas: readonly NodeSource[], names?: readonly string[]): Promise<ConflictReport> {
  if (replicas.length < 2) throw new InputError(`conflict detection needs at least 2 replicas, got ${replicas.length}`);
  const nameOf = (i: number) => names?.[i] ?? `replica ${i}`;
  for (let i = 1; i < replicas.length; i++) assertComparable(replicas[0]!, replicas[i]!, [nameOf(0), nameOf(i)]);
  const reversed = kProfiles[replicas[0]!.profile].reversedDisplay;
  const keyOf = (r: NodeSource) => `${r.size}:${toHex(r.root)}`;

  const groups = new Map<string, number[]>();
  replicas.forEach((replica, i) => {
    const key = keyOf(replica);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });
  // Map iteration follows insertion order, so the first largest group in input order wins a tie.
  let majority: number[] = [];
  for (const members of groups.values()) if (members.length > majority.length) majority = members;
  const largest = majority.length;
  const tie = [...groups.values()].filter((members) => members.length === largest).length > 1;

  const reference = replicas[majority[0]!]!;
  const divergent: DivergentReplica[] = [];
  for (const [i, replica] of replicas.entries()) {
    if (majority.includes(i)) continue;
    const diff = await diffTrees(reference, replica);
    divergent.push({
      index: i,
      name: nameOf(i),
      root: toHex(replica.root, reversed),
      size: replica.size,
      ranges: diff.ranges,
      ...(diff.added ? { added: diff.added } : {}),
      ...(diff.removed ? { removed: diff.removed } : {}),
      nodesCompared: diff.nodesCompared,
    });
  }
  return {
    agree: divergent.length === 0,
    majorityRoot: toHex(reference.root, reversed),
    majoritySize: reference.size,
    majority,
    tie,
    divergent,
  };
}
