/**
 * The bytes a keyed tree hashes (docs/keyed.md is the normative description). Every message
 * starts with its own prefix byte, so a token, an entry, a bucket and a node can never be
 * taken for one another:
 *
 *   token(key)         = H(0x03 ‖ salt ‖ key); bucket = its first `bucketBits` bits, big-endian
 *   entry leaf         = H(0x00 ‖ u32be(len key) ‖ key ‖ value digest)
 *   bucket-inner node  = H(0x01 ‖ left ‖ right)   (RFC 6962 shape over the key-sorted entries)
 *   bucket leaf        = H(0x02 ‖ u32be(entry count) ‖ bucket subroot), or H(0x02 ‖ u32be(0))
 *   tree node          = H(0x01 ‖ left ‖ right)   (a perfect tree over the 2^bucketBits buckets)
 *   root               = H(0x04 ‖ u8(bucketBits) ‖ u8(len salt) ‖ salt ‖ top node)
 *
 * The root commits to the shape (bucket bits and salt): a proof that claimed another salt or
 * bucket count would put the key in another bucket, and could "prove" a present key absent.
 *
 * The value digest is H(value) with no prefix, so a caller can compute it with any tool.
 */

export const kEntryPrefix = 0x00;
export const kNodePrefix = 0x01;
export const kBucketPrefix = 0x02;
export const kTokenPrefix = 0x03;
export const kRootPrefix = 0x04;

/** Longest key a keyed tree takes, in bytes. */
export const kMaxKeyBytes = 1024;

/** bucketOfToken reads the first `bits` bits (1..24) of a token digest as a big-endian integer. */
export function bucketOfToken(token: Uint8Array, offset: number, bits: number): number {
  const top = (token[offset]! << 16) | (token[offset + 1]! << 8) | token[offset + 2]!;
  return top >>> (24 - bits);
}
