/**
 * Bitcoin's transaction tree: leaves are txids, nodes SHA256d, a lone node paired with itself,
 * hashes shown byte-reversed. A block always has its coinbase, so a tree has at least one leaf.
 */
import type { Profile } from '../profile.js';

export const bitcoin: Profile = {
  name: 'bitcoin',
  code: 3,
  lone: 'duplicate',
  leafPrefix: -1,
  nodePrefix: -1,
  doubleNode: true,
  construction: 'hash-pairs',
  rootFlagged: false,
  leavesFromData: false,
  leavesFromHashes: true,
  minLeaves: { count: 1, leaf: 'txid' },
  reversedDisplay: true,
  hashes: ['sha256'],
  consistencyProofs: false,
  appendable: false,
  description: "Bitcoin: leaves are txids, node = SHA256(SHA256(L‖R)), lone node paired with itself, display byte order",
};
