// BLAKE3 hash_many, 4 lanes in SSE registers. Each function carries the sse4.1 target
// attribute, so this file builds without global -m flags; the dispatcher calls it only
// after cpu_features reported SSE4.1.
#include <immintrin.h>

#include <cstring>

#include "blake3_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

namespace merkle {
namespace blake3 {
namespace {

#define MT_TARGET __attribute__((target("sse4.1")))

using Vec = __m128i;
constexpr size_t kVecLanes = 4;
constexpr size_t kGroups = 1;
constexpr bool kStepAcrossG = false;  // 16 registers: one whole G after another

MT_TARGET inline Vec Add(Vec a, Vec b) { return _mm_add_epi32(a, b); }
MT_TARGET inline Vec Xor(Vec a, Vec b) { return _mm_xor_si128(a, b); }
MT_TARGET inline Vec Set1(uint32_t w) { return _mm_set1_epi32(static_cast<int>(w)); }
// Rotations by whole bytes are one byte shuffle; the others are two shifts and an OR.
MT_TARGET inline Vec Rotr16(Vec x) {
  return _mm_shuffle_epi8(x, _mm_setr_epi8(2, 3, 0, 1, 6, 7, 4, 5, 10, 11, 8, 9, 14, 15, 12, 13));
}
MT_TARGET inline Vec Rotr8(Vec x) {
  return _mm_shuffle_epi8(x, _mm_setr_epi8(1, 2, 3, 0, 5, 6, 7, 4, 9, 10, 11, 8, 13, 14, 15, 12));
}
MT_TARGET inline Vec Rotr12(Vec x) { return _mm_or_si128(_mm_srli_epi32(x, 12), _mm_slli_epi32(x, 20)); }
MT_TARGET inline Vec Rotr7(Vec x) { return _mm_or_si128(_mm_srli_epi32(x, 7), _mm_slli_epi32(x, 25)); }
MT_TARGET inline Vec AddMessage(Vec a, const Vec& word) { return Add(a, word); }
MT_TARGET inline Vec LoadWords(const uint32_t* p) { return _mm_loadu_si128(reinterpret_cast<const Vec*>(p)); }

// Transpose4 turns rows (one per lane) into columns (one per word) for a 4x4 block of words.
MT_TARGET inline void Transpose4(Vec& a, Vec& b, Vec& c, Vec& d) {
  const Vec ab_01 = _mm_unpacklo_epi32(a, b);  // a0 b0 a1 b1
  const Vec ab_23 = _mm_unpackhi_epi32(a, b);  // a2 b2 a3 b3
  const Vec cd_01 = _mm_unpacklo_epi32(c, d);
  const Vec cd_23 = _mm_unpackhi_epi32(c, d);
  a = _mm_unpacklo_epi64(ab_01, cd_01);  // a0 b0 c0 d0
  b = _mm_unpackhi_epi64(ab_01, cd_01);  // a1 b1 c1 d1
  c = _mm_unpacklo_epi64(ab_23, cd_23);
  d = _mm_unpackhi_epi64(ab_23, cd_23);
}

MT_TARGET inline void LoadBlocksTransposed(const uint8_t* const rows[kVecLanes], size_t offset, Vec m[16]) {
  for (int q = 0; q < 4; q++) {
    for (int i = 0; i < 4; i++) m[4 * q + i] = _mm_loadu_si128(reinterpret_cast<const Vec*>(rows[i] + offset + 16 * q));
    Transpose4(m[4 * q], m[4 * q + 1], m[4 * q + 2], m[4 * q + 3]);
  }
}

// StoreCvsTransposed writes lane i's 8 CV words to out[32i, 32i + 32): the same 4x4
// transpose, on words 0-3 and on words 4-7 (x86 is little-endian, as BLAKE3's byte order).
MT_TARGET inline void StoreCvsTransposed(const Vec cv[8], uint8_t* out) {
  for (int half = 0; half < 2; half++) {
    Vec a = cv[4 * half], b = cv[4 * half + 1], c = cv[4 * half + 2], d = cv[4 * half + 3];
    Transpose4(a, b, c, d);
    const Vec lanes[4] = {a, b, c, d};
    for (size_t i = 0; i < kVecLanes; i++) {
      _mm_storeu_si128(reinterpret_cast<Vec*>(out + OUT_LEN * i + 16 * half), lanes[i]);
    }
  }
}

}  // namespace

#define MT_HASH_MANY_NAME mt_blake3_hash_many_sse41_x4
#include "blake3_simd_body.inc"

}  // namespace blake3
}  // namespace merkle

#endif
