// The message schedule of the padding block that ends every 64-byte message — a node of two
// 32-byte digests — computed at compile time: 0x80, zeros, then the length, 512 bits. Kernels
// run that block's rounds straight from W + K, with no schedule work.
#ifndef MERKLE_SHA256_PADDING_H_
#define MERKLE_SHA256_PADDING_H_

#include <cstdint>

#include "sha256_kernels.h"

namespace merkle {

// PaddingSchedule is W[t] + K[t], t = 0..63, for a block holding only padding for a message of
// `bits` bits whose length is a multiple of 512.
struct PaddingSchedule {
  alignas(64) uint32_t wk[64];
  constexpr explicit PaddingSchedule(uint64_t bits) : wk{} {
    uint32_t w[64] = {};
    w[0] = 0x80000000u;
    w[14] = static_cast<uint32_t>(bits >> 32);
    w[15] = static_cast<uint32_t>(bits);
    for (int t = 16; t < 64; t++) {
      const uint32_t x = w[t - 15], y = w[t - 2];
      const uint32_t s0 = ((x >> 7) | (x << 25)) ^ ((x >> 18) | (x << 14)) ^ (x >> 3);
      const uint32_t s1 = ((y >> 17) | (y << 15)) ^ ((y >> 19) | (y << 13)) ^ (y >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    for (int t = 0; t < 64; t++) wk[t] = w[t] + SHA256_K[t];
  }
};

inline constexpr PaddingSchedule kPad64Schedule(8 * SHA256_PAIR_LEN);

}  // namespace merkle

#endif  // MERKLE_SHA256_PADDING_H_
