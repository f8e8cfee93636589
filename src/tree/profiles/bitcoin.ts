/**
 * Bitcoin's transaction tree: leaves are txids, nodes SHA256d, a lone node paired with itself,
 * hashes shown byte-reversed. A block always has its coinbase, so a tree has at least one leaf.
 */
import { defineProfile } from './define.js';

export const bitcoin = defineProfile({
  name: 'bitcoin',
  code: 3,
  lone: 'duplicate',
  leafPrefix: -1,
  nodePrefix: -1,
  doubleNode: true,
  leavesFromData: false,
  minLeaves: { count: 1, leaf: 'txid' },
  reversedDisplay: true,
  hashes: ['sha256'],
  description: "Bitcoin: leaves are txids, node = SHA256(SHA256(L‖R)), lone node paired with itself, display byte order",
});
