/** The textbook tree: no domain separation, a lone node paired with itself. */
import { defineProfile } from './define.js';

export const classic = defineProfile({
  name: 'classic',
  code: 2,
  lone: 'duplicate',
  leafPrefix: -1,
  nodePrefix: -1,
  doubleNode: false,
  appendable: true,
  description: 'textbook: leaf = H(data), node = H(L‖R), lone node paired with itself (no domain separation)',
});
