// BLAKE3 hash_many, 8 lanes in AVX2 registers. Per-function target attributes keep the
// rest of the addon free of AVX2; the dispatcher calls this only after cpu_features
// reported AVX2 with OS-saved YMM state.
#include <immintrin.h>

#include <cstring>

#include "blake3_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

namespace merkle {
namespace blake3 {
namespace {

#define MT_TARGET __attribute__((target("avx2")))

using Vec = __m256i;
constexpr size_t kLanes = 8;
constexpr bool kStepAcrossG = false;  // 16 registers: one whole G after another

MT_TARGET inline Vec Add(Vec a, Vec b) { return _mm256_add_epi32(a, b); }
MT_TARGET inline Vec Xor(Vec a, Vec b) { return _mm256_xor_si256(a, b); }
MT_TARGET inline Vec Set1(uint32_t w) { return _mm256_set1_epi32(static_cast<int>(w)); }
// Byte rotations are one shuffle (within each 128-bit half); the others two shifts and an OR.
MT_TARGET inline Vec Rotr16(Vec x) {
  return _mm256_shuffle_epi8(x, _mm256_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13,
                                                 2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
MT_TARGET inline Vec Rotr8(Vec x) {
  return _mm256_shuffle_epi8(x, _mm256_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12,
                                                 1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
MT_TARGET inline Vec Rotr12(Vec x) { return _mm256_or_si256(_mm256_srli_epi32(x, 12), _mm256_slli_epi32(x, 20)); }
MT_TARGET inline Vec Rotr7(Vec x) { return _mm256_or_si256(_mm256_srli_epi32(x, 7), _mm256_slli_epi32(x, 25)); }
MT_TARGET inline Vec LoadWords(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p)); }

// Transpose8 turns 8 rows (one per lane, 8 words each) into 8 columns (one per word):
// 32-bit interleave, 64-bit interleave, then swap 128-bit halves.
MT_TARGET inline void Transpose8(Vec r[8]) {
  Vec t[8], u[8];
  for (int p = 0; p < 4; p++) {
    t[2 * p] = _mm256_unpacklo_epi32(r[2 * p], r[2 * p + 1]);      // words 0,1 | 4,5 of rows 2p, 2p+1
    t[2 * p + 1] = _mm256_unpackhi_epi32(r[2 * p], r[2 * p + 1]);  // words 2,3 | 6,7
  }
  for (int h = 0; h < 2; h++) {  // rows 0-3, then rows 4-7
    const Vec* th = t + 4 * h;
    u[4 * h + 0] = _mm256_unpacklo_epi64(th[0], th[2]);  // word 0 | word 4 of four rows
    u[4 * h + 1] = _mm256_unpackhi_epi64(th[0], th[2]);  // word 1 | word 5
    u[4 * h + 2] = _mm256_unpacklo_epi64(th[1], th[3]);  // word 2 | word 6
    u[4 * h + 3] = _mm256_unpackhi_epi64(th[1], th[3]);  // word 3 | word 7
  }
  for (int k = 0; k < 4; k++) {
    r[k] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x20);      // word k of rows 0-7
    r[k + 4] = _mm256_permute2x128_si256(u[k], u[4 + k], 0x31);  // word k+4 of rows 0-7
  }
}

MT_TARGET inline void LoadBlocksTransposed(const uint8_t* const ptrs[kLanes], Vec m[16]) {
  for (int half = 0; half < 2; half++) {
    Vec* rows = m + 8 * half;
    for (size_t i = 0; i < kLanes; i++) {
      rows[i] = _mm256_loadu_si256(reinterpret_cast<const Vec*>(ptrs[i] + 32 * half));
    }
    Transpose8(rows);
  }
}

// StoreCvsTransposed writes lane i's 8 CV words to out[32i, 32i + 32). An 8x8 transpose is
// its own inverse: rows that were words become rows that are lanes (x86 is little-endian, as
// BLAKE3's byte order).
MT_TARGET inline void StoreCvsTransposed(const Vec cv[8], uint8_t* out) {
  Vec rows[8];
  for (int w = 0; w < 8; w++) rows[w] = cv[w];
  Transpose8(rows);
  for (size_t i = 0; i < kLanes; i++) _mm256_storeu_si256(reinterpret_cast<Vec*>(out + OUT_LEN * i), rows[i]);
}

}  // namespace

#define MT_HASH_MANY_NAME mt_blake3_hash_many_avx2_x8
#define MT_NARROWER_HASH_MANY mt_blake3_hash_many_sse41_x4
#include "blake3_simd_body.inc"

}  // namespace blake3
}  // namespace merkle

#endif
