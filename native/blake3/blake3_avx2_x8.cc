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
constexpr size_t kVecLanes = 8;
constexpr size_t kGroups = 1;
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
MT_TARGET inline Vec AddMessage(Vec a, const Vec& word) { return Add(a, word); }
MT_TARGET inline Vec LoadWords(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p)); }

#include "blake3_transpose_x8.inc"

}  // namespace

#define MT_HASH_MANY_NAME mt_blake3_hash_many_avx2_x8
#define MT_NARROWER_HASH_MANY mt_blake3_hash_many_sse41_x4
#include "blake3_simd_body.inc"

}  // namespace blake3
}  // namespace merkle

#endif
