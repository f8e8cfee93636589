// SHA-256 (FIPS 180-4) pieces shared by the scalar and the 4-lane kernels: constants and the
// padded-message view. A message is `prefix ‖ data` where the one-byte prefix is optional.

export const SHA256_K: usize = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** The initial hash value H(0). BLAKE3 uses the same eight words as its IV. */
export const SHA256_IV: usize = memory.data<u32>([
  0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
]);

/**
 * sha256BlockCount is the number of 64-byte blocks of a padded message of `length` bytes:
 * the message, the 0x80 terminator and the 8-byte bit length, rounded up to whole blocks.
 */
// @ts-ignore: decorator
@inline export function sha256BlockCount(length: i32): i32 {
  return ((length + 8) >> 6) + 1;
}

/**
 * sha256Block returns the address of block `block` of the padded message `prefix ‖ data`
 * (prefixLength 0 or 1; data at `data`, `length` bytes). A block that lies wholly inside the
 * data is read in place; any other (the one holding the prefix, the tail and padding) is
 * assembled in the 64-byte `scratch`. `bitLength` is written into the last block.
 */
export function sha256Block(
  data: usize, length: i32, prefixLength: i32, prefix: i32, block: i32, blockCount: i32, bitLength: u64, scratch: usize,
): usize {
  const start = (block << 6) - prefixLength; // data offset of the block's first byte
  if (start >= 0 && start + 64 <= length) return data + <usize>start;
  // Message bytes first, zeros only after them (blocks here are often mostly data).
  const from = max(start, 0);
  const to = max(from, min(start + 64, length));
  memory.copy(scratch + <usize>(from - start), data + <usize>from, <usize>(to - from));
  memory.fill(scratch + <usize>(to - start), 0, <usize>(64 - (to - start)));
  if (start < 0) store<u8>(scratch, <u8>prefix);
  const terminator = length - start;
  if (terminator >= 0 && terminator < 64) store<u8>(scratch + <usize>terminator, 0x80);
  if (block == blockCount - 1) store<u64>(scratch, bswap<u64>(bitLength), 56);
  return scratch;
}
