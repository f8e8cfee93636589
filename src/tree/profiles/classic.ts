/** The textbook tree: no domain separation, a lone node paired with itself. */
import type { Profile } from '../profile.js';

export const classic: Profile = {
  name: 'classic',
  code: 2,
  lone: 'duplicate',
  leafPrefix: -1,
  nodePrefix: -1,
  doubleNode: false,
  construction: 'hash-pairs',
  rootFlagged: false,
  leavesFromData: true,
  leavesFromHashes: true,
  minLeaves: { count: 0, leaf: 'leaf' },
  reversedDisplay: false,
  consistencyProofs: false,
  appendable: true,
  description: 'textbook: leaf = H(data), node = H(L‖R), lone node paired with itself (no domain separation)',
};
