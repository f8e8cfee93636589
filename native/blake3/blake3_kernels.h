// BLAKE3 constants and the `hash_many` kernel contract shared by every ISA file.
//
// A kernel hashes `count` independent inputs of one shape in parallel lanes. It knows
// nothing of trees: the caller decides whether an input is a chunk (CHUNK_START/CHUNK_END
// flags, the chunk counter) or a parent (PARENT flag, counter 0), and whether it is the root.
#ifndef MERKLE_BLAKE3_KERNELS_H_
#define MERKLE_BLAKE3_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace merkle {
namespace blake3 {

constexpr size_t BLOCK_LEN = 64;    // bytes compressed per call of the compression function
constexpr size_t CHUNK_LEN = 1024;  // bytes per chunk: up to 16 blocks chained in one CV
constexpr size_t OUT_LEN = 32;      // bytes of a chaining value and of the default digest
constexpr size_t MAX_SIMD_DEGREE = 16;

// Domain flags (BLAKE3 specification, table 3). Only the unkeyed hash mode is used here.
enum Flag : uint8_t {
  CHUNK_START = 1u << 0,
  CHUNK_END = 1u << 1,
  PARENT = 1u << 2,
  ROOT = 1u << 3,
};

// The initialisation vector: the first 32 bits of the fractional parts of the square
// roots of the first eight primes (the same words as SHA-256's initial state).
constexpr uint32_t IV[8] = {0x6A09E667u, 0xBB67AE85u, 0x3C6EF372u, 0xA54FF53Au,
                            0x510E527Fu, 0x9B05688Cu, 0x1F83D9ABu, 0x5BE0CD19u};

constexpr int ROUNDS = 7;

// The message permutation applied between rounds (specification, table 2).
constexpr uint8_t MSG_PERMUTATION[16] = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

// MessageSchedule[r][i] is the index of the original message word used as word i in round r:
// applying the permutation r times, precomputed so no kernel moves message words around.
struct MessageSchedule {
  uint8_t word[ROUNDS][16];
  constexpr MessageSchedule() : word{} {
    for (int i = 0; i < 16; i++) word[0][i] = static_cast<uint8_t>(i);
    for (int r = 1; r < ROUNDS; r++) {
      for (int i = 0; i < 16; i++) word[r][i] = word[r - 1][MSG_PERMUTATION[i]];
    }
  }
};
constexpr MessageSchedule kSchedule{};

// HashManyFn is the signature every kernel file implements.
//
// Hashes `count` inputs of `input_len` bytes each (1 <= input_len <= CHUNK_LEN) as chains of
// ceil(input_len / 64) blocks keyed by `key`; the last block is zero-padded and compressed with
// block_len = its real length. Input i uses counter `counters[i]`. Every block carries `flags`;
// the first also `flags_start`, the last also `flags_end` (both on a one-block input).
// Writes the 32-byte output CV of input i to out[32i, 32i + 32).
// Requires count >= 1 and `inputs[i]` readable for input_len bytes. No other checks.
using HashManyFn = void (*)(const uint8_t* const* inputs, size_t count, size_t input_len,
                            const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                            uint8_t flags_start, uint8_t flags_end, uint8_t* out);

// Portable C++: the oracle for every SIMD kernel. Runs on any CPU.
void mt_blake3_hash_many_portable(const uint8_t* const* inputs, size_t count, size_t input_len,
                                  const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                                  uint8_t flags_start, uint8_t flags_end, uint8_t* out);
// 4 lanes of 32-bit words in SSE registers. Requires SSE4.1.
void mt_blake3_hash_many_sse41_x4(const uint8_t* const* inputs, size_t count, size_t input_len,
                                  const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                                  uint8_t flags_start, uint8_t flags_end, uint8_t* out);
// 8 lanes in AVX2 registers. Requires AVX2.
void mt_blake3_hash_many_avx2_x8(const uint8_t* const* inputs, size_t count, size_t input_len,
                                 const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                                 uint8_t flags_start, uint8_t flags_end, uint8_t* out);
// 16 lanes as two groups of 8 in YMM registers (AVX-512VL rotates, 32 registers).
// Requires AVX-512 F, VL and BW.
void mt_blake3_hash_many_avx512_x16(const uint8_t* const* inputs, size_t count, size_t input_len,
                                    const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                                    uint8_t flags_start, uint8_t flags_end, uint8_t* out);

// Compress is the BLAKE3 compression function on one block (specification §2.2): returns
// all 16 output words; the first 8 are the output chaining value.
void Compress(const uint32_t cv[8], const uint8_t block[BLOCK_LEN], uint64_t counter,
              uint32_t block_len, uint32_t flags, uint32_t out[16]);

inline uint32_t LoadLe32(const uint8_t* p) {
  return static_cast<uint32_t>(p[0]) | static_cast<uint32_t>(p[1]) << 8 |
         static_cast<uint32_t>(p[2]) << 16 | static_cast<uint32_t>(p[3]) << 24;
}

inline void StoreLe32(uint8_t* p, uint32_t w) {
  p[0] = static_cast<uint8_t>(w);
  p[1] = static_cast<uint8_t>(w >> 8);
  p[2] = static_cast<uint8_t>(w >> 16);
  p[3] = static_cast<uint8_t>(w >> 24);
}

}  // namespace blake3
}  // namespace merkle

#endif  // MERKLE_BLAKE3_KERNELS_H_
