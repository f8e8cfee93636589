// Batch shapes over one kernel: leaf blocks of a buffer and spans given by offsets. ISA-independent: every shape is expressed through a kernel's `many` and `pairs`.
#ifndef MERKLE_SHA256_BATCH_H_
#define MERKLE_SHA256_BATCH_H_

#include <cstddef>
#include <cstdint>

#include "sha256_kernels.h"

namespace merkle {

// mt_sha256_leaves hashes the ceil(length / block_size) consecutive blocks of data (the last
// may be short) into out. Requires length > 0, block_size > 0, out holding 32 bytes per block.
void mt_sha256_leaves(const Sha256Kernel& kernel, const uint8_t* data, size_t length,
                      size_t block_size, int prefix, uint8_t* out);

// mt_sha256_spans hashes count messages, message i = data[offsets[i], offsets[i + 1]).
// Requires offsets to hold count + 1 non-decreasing values within data.
void mt_sha256_spans(const Sha256Kernel& kernel, const uint8_t* data, const uint32_t* offsets,
                     size_t count, int prefix, uint8_t* out);

}  // namespace merkle

#endif  // MERKLE_SHA256_BATCH_H_
