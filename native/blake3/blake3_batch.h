// Batched BLAKE3 operations built on one hash_many kernel: standard hashes of many equal
// blocks, spans and digest pairs (the HashKernel contract), and the chaining values the
// b3tree profile needs (chunk groups, parents, the root parent). No N-API here.
//
// Every function trusts its arguments: the TypeScript edge validated them.
#ifndef MERKLE_BLAKE3_BATCH_H_
#define MERKLE_BLAKE3_BATCH_H_

#include <cstddef>
#include <cstdint>

#include "blake3_dispatch.h"

namespace merkle {
namespace blake3 {

// Value of `prefix` meaning "no domain-separation byte".
constexpr int NO_PREFIX = -1;

// HashBlocks writes the standard BLAKE3 hash of (prefix ‖ block) for each of the
// ceil(len / block_size) blocks of data (the last may be short). Requires len > 0.
void HashBlocks(const KernelInfo& k, const uint8_t* data, size_t len, size_t block_size, int prefix,
                uint8_t* out);

// HashSpans hashes prefix ‖ data[offsets[i], offsets[i+1]) for i < span_count.
void HashSpans(const KernelInfo& k, const uint8_t* data, const uint32_t* offsets, size_t span_count,
               int prefix, uint8_t* out);

// HashPairs hashes prefix ‖ level[64i, 64i + 64) for i < count; with `twice`, hashes each
// 32-byte digest once more.
void HashPairs(const KernelInfo& k, const uint8_t* level, size_t count, int prefix, bool twice,
               uint8_t* out);

// Hash writes the standard 32-byte BLAKE3 hash of data[0, len) (len may be 0).
void Hash(const KernelInfo& k, const uint8_t* data, size_t len, uint8_t* out);

// GroupChainingValues writes the non-root CV of each chunk group of group_size bytes
// (a power of two >= CHUNK_LEN; the last group may be short); the first group's first chunk
// has counter first_chunk. Requires len > 0.
void GroupChainingValues(const KernelInfo& k, const uint8_t* data, size_t len, size_t group_size,
                         uint64_t first_chunk, uint8_t* out);

// ParentChainingValues writes the non-root parent CV of the CV pairs level[64i, 64i + 64).
void ParentChainingValues(const KernelInfo& k, const uint8_t* level, size_t count, uint8_t* out);

// ParentRoot writes the root output of the parent of two CVs (PARENT | ROOT).
void ParentRoot(const uint8_t left[OUT_LEN], const uint8_t right[OUT_LEN], uint8_t out[OUT_LEN]);

}  // namespace blake3
}  // namespace merkle

#endif  // MERKLE_BLAKE3_BATCH_H_
