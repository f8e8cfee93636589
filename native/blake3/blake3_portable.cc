// Portable BLAKE3 compression and hash_many: plain 32-bit C++, written from the
// specification. Every SIMD kernel is tested against this one.
#include <cstring>

#include "blake3_kernels.h"

namespace merkle {
namespace blake3 {
namespace {

inline uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

// G mixes one column or diagonal of the state with two message words (specification §2.2).
inline void G(uint32_t* v, int a, int b, int c, int d, uint32_t mx, uint32_t my) {
  v[a] = v[a] + v[b] + mx;
  v[d] = Rotr(v[d] ^ v[a], 16);
  v[c] = v[c] + v[d];
  v[b] = Rotr(v[b] ^ v[c], 12);
  v[a] = v[a] + v[b] + my;
  v[d] = Rotr(v[d] ^ v[a], 8);
  v[c] = v[c] + v[d];
  v[b] = Rotr(v[b] ^ v[c], 7);
}

}  // namespace

void Compress(const uint32_t cv[8], const uint8_t block[BLOCK_LEN], uint64_t counter,
              uint32_t block_len, uint32_t flags, uint32_t out[16]) {
  uint32_t m[16];
  for (int i = 0; i < 16; i++) m[i] = LoadLe32(block + 4 * i);
  uint32_t v[16] = {cv[0], cv[1], cv[2], cv[3], cv[4], cv[5], cv[6], cv[7],
                    IV[0], IV[1], IV[2], IV[3],
                    static_cast<uint32_t>(counter), static_cast<uint32_t>(counter >> 32),
                    block_len, flags};
  for (int r = 0; r < ROUNDS; r++) {
    const uint8_t* s = kSchedule.word[r];
    G(v, 0, 4, 8, 12, m[s[0]], m[s[1]]);
    G(v, 1, 5, 9, 13, m[s[2]], m[s[3]]);
    G(v, 2, 6, 10, 14, m[s[4]], m[s[5]]);
    G(v, 3, 7, 11, 15, m[s[6]], m[s[7]]);
    G(v, 0, 5, 10, 15, m[s[8]], m[s[9]]);
    G(v, 1, 6, 11, 12, m[s[10]], m[s[11]]);
    G(v, 2, 7, 8, 13, m[s[12]], m[s[13]]);
    G(v, 3, 4, 9, 14, m[s[14]], m[s[15]]);
  }
  for (int i = 0; i < 8; i++) {
    out[i] = v[i] ^ v[i + 8];
    out[i + 8] = v[i + 8] ^ cv[i];
  }
}

void mt_blake3_hash_many_portable(const uint8_t* const* inputs, size_t count, size_t input_len,
                                  const uint32_t key[8], const uint64_t* counters, uint8_t flags,
                                  uint8_t flags_start, uint8_t flags_end, uint8_t* out) {
  const size_t blocks = (input_len + BLOCK_LEN - 1) / BLOCK_LEN;
  const size_t last_len = input_len - (blocks - 1) * BLOCK_LEN;
  for (size_t i = 0; i < count; i++) {
    uint32_t cv[8];
    std::memcpy(cv, key, sizeof cv);
    for (size_t b = 0; b < blocks; b++) {
      const bool last = b + 1 == blocks;
      uint8_t padded[BLOCK_LEN];
      const uint8_t* block = inputs[i] + b * BLOCK_LEN;
      if (last && last_len < BLOCK_LEN) {
        std::memset(padded, 0, BLOCK_LEN);
        std::memcpy(padded, block, last_len);
        block = padded;
      }
      uint32_t block_flags = flags;
      if (b == 0) block_flags |= flags_start;
      if (last) block_flags |= flags_end;
      uint32_t state[16];
      Compress(cv, block, counters[i], static_cast<uint32_t>(last ? last_len : BLOCK_LEN),
               block_flags, state);
      std::memcpy(cv, state, sizeof cv);
    }
    for (int w = 0; w < 8; w++) StoreLe32(out + OUT_LEN * i + 4 * w, cv[w]);
  }
}

}  // namespace blake3
}  // namespace merkle
