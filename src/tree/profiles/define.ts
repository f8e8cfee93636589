/**
 * defineProfile fills in what most profiles share, so each profile module states only its
 * rules and what sets it apart: a plain hashed-pairs tree of data or leaf hashes, with any
 * number of leaves, not appendable, shown in byte order.
 */
import type { Profile } from '../profile.js';

type Defaulted = 'construction' | 'rootFlagged' | 'leavesFromData' | 'leavesFromHashes' | 'minLeaves' | 'reversedDisplay' | 'consistencyProofs' | 'appendable';

export function defineProfile(rules: Omit<Profile, Defaulted> & Partial<Pick<Profile, Defaulted>>): Profile {
  return {
    construction: 'hash-pairs',
    rootFlagged: false,
    leavesFromData: true,
    leavesFromHashes: true,
    minLeaves: { count: 0, leaf: 'leaf' },
    reversedDisplay: false,
    consistencyProofs: false,
    appendable: false,
    ...rules,
  };
}
