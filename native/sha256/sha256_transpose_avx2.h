// Loading eight lanes' message words as vectors: an 8×8 transpose of 32-bit words with a
// big-endian byte swap, used by the AVX2 x8 and AVX-512 x16 kernels. Include after a
// `#pragma GCC target` that enables AVX2.
#ifndef MERKLE_SHA256_TRANSPOSE_AVX2_H_
#define MERKLE_SHA256_TRANSPOSE_AVX2_H_

#include <immintrin.h>

#include "sha256_lanes.h"

namespace merkle {
namespace sha256_simd {
namespace {

// LoadWords8x8 returns in col[j] word j (j < 8) of the 32 bytes at rows[l] + offset, lane l in
// element l, each word decoded from big-endian.
MT_ALWAYS_INLINE void LoadWords8x8(const uint8_t* const* rows, size_t offset, __m256i* col) {
  __m256i r[8];
  for (int l = 0; l < 8; l++) r[l] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(rows[l] + offset));
  // Interleave words of lane pairs, then word pairs of lane quads: each 128-bit half then holds
  // one word of four lanes; the cross-half permute joins lanes 0-3 with lanes 4-7.
  const __m256i t0 = _mm256_unpacklo_epi32(r[0], r[1]), t1 = _mm256_unpackhi_epi32(r[0], r[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(r[2], r[3]), t3 = _mm256_unpackhi_epi32(r[2], r[3]);
  const __m256i t4 = _mm256_unpacklo_epi32(r[4], r[5]), t5 = _mm256_unpackhi_epi32(r[4], r[5]);
  const __m256i t6 = _mm256_unpacklo_epi32(r[6], r[7]), t7 = _mm256_unpackhi_epi32(r[6], r[7]);
  const __m256i u0 = _mm256_unpacklo_epi64(t0, t2), u1 = _mm256_unpackhi_epi64(t0, t2);
  const __m256i u2 = _mm256_unpacklo_epi64(t1, t3), u3 = _mm256_unpackhi_epi64(t1, t3);
  const __m256i u4 = _mm256_unpacklo_epi64(t4, t6), u5 = _mm256_unpackhi_epi64(t4, t6);
  const __m256i u6 = _mm256_unpacklo_epi64(t5, t7), u7 = _mm256_unpackhi_epi64(t5, t7);
  const __m256i swap = _mm256_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL,
                                         0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);
  col[0] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u0, u4, 0x20), swap);
  col[1] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u1, u5, 0x20), swap);
  col[2] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u2, u6, 0x20), swap);
  col[3] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u3, u7, 0x20), swap);
  col[4] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u0, u4, 0x31), swap);
  col[5] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u1, u5, 0x31), swap);
  col[6] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u2, u6, 0x31), swap);
  col[7] = _mm256_shuffle_epi8(_mm256_permute2x128_si256(u3, u7, 0x31), swap);
}

}  // namespace
}  // namespace sha256_simd
}  // namespace merkle

#endif  // MERKLE_SHA256_TRANSPOSE_AVX2_H_
