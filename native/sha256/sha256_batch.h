// Batch shapes over one kernel: leaf blocks of a buffer, spans given by offsets, and whole
// subtrees. ISA-independent: every shape is expressed through a kernel's `many` and `pairs`.
#ifndef MERKLE_SHA256_BATCH_H_
#define MERKLE_SHA256_BATCH_H_

#include <cstddef>
#include <cstdint>

#include "sha256_kernels.h"

namespace merkle {

// Sha256SubtreeRule is a tree profile's hashing rule, as far as a subtree needs it.
struct Sha256SubtreeRule {
  int leaf_prefix;      // byte before each leaf block, or SHA256_NO_PREFIX
  int node_prefix;      // byte before each pair of child digests, or SHA256_NO_PREFIX
  bool twice;           // node = H(H(prefix ‖ L ‖ R)) (Bitcoin)
  bool lone_duplicate;  // a level's lone last node is paired with itself; else carried up
};

// mt_sha256_leaves hashes the ceil(length / block_size) consecutive blocks of data (the last
// may be short) into out. Requires length > 0, block_size > 0, out holding 32 bytes per block.
void mt_sha256_leaves(const Sha256Kernel& kernel, const uint8_t* data, size_t length,
                      size_t block_size, int prefix, uint8_t* out);

// mt_sha256_spans hashes count messages, message i = data[offsets[i], offsets[i + 1]).
// Requires offsets to hold count + 1 non-decreasing values within data.
void mt_sha256_spans(const Sha256Kernel& kernel, const uint8_t* data, const uint32_t* offsets,
                     size_t count, int prefix, uint8_t* out);

// mt_sha256_subtree_size returns how many digests a subtree over `leaves` leaves has: the
// leaves plus every level up to the single root.
size_t mt_sha256_subtree_size(size_t leaves);

// mt_sha256_subtree hashes the leaf blocks of data and every level above them up to the root,
// writing level 0 first, each level right after the one below it; the root is the last
// digest. Returns the number of digests written (mt_sha256_subtree_size of the leaf count).
// Requires the mt_sha256_leaves preconditions and out holding that many digests.
size_t mt_sha256_subtree(const Sha256Kernel& kernel, const uint8_t* data, size_t length,
                         size_t block_size, const Sha256SubtreeRule& rule, uint8_t* out);

}  // namespace merkle

#endif  // MERKLE_SHA256_BATCH_H_
