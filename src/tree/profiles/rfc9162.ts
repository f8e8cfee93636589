/** Certificate Transparency's tree (RFC 6962, RFC 9162 §2.1): domain-separated leaves and nodes. */
import { defineProfile } from './define.js';

export const rfc9162 = defineProfile({
  name: 'rfc9162',
  code: 1,
  lone: 'carry',
  leafPrefix: 0x00,
  nodePrefix: 0x01,
  doubleNode: false,
  consistencyProofs: true,
  appendable: true,
  description: 'Certificate Transparency (RFC 6962/9162): leaf = H(0x00‖data), node = H(0x01‖L‖R), lone node carried up',
});
