/**
 * BLAKE3's own tree over chunk groups: every aligned group of chunks is a node of the data's
 * BLAKE3 tree, so the root equals `b3sum` of the data. Nodes are chaining values and the root
 * carries BLAKE3's ROOT flag, so this profile is built from BLAKE3's internals.
 */
import { defineProfile } from './define.js';

export const b3tree = defineProfile({
  name: 'b3tree',
  code: 4,
  lone: 'carry',
  leafPrefix: -1,
  nodePrefix: -1,
  doubleNode: false,
  construction: 'blake3-chaining',
  rootFlagged: true,
  leavesFromHashes: false,
  hashes: ['blake3'],
  // Appending would move the ROOT flag and re-derive every chaining value on the right edge.
  appendable: false,
  minBlockSize: 1024,
  description: "BLAKE3's own tree over chunk groups: the root equals the BLAKE3 hash of the data (b3sum)",
});
