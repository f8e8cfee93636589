// SHA-256 on AVX2, eight messages at once (one per 32-bit lane): for x86 CPUs without SHA-NI.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"

// Everything below is compiled for AVX2; dispatch runs it only on CPUs that have it.
#pragma GCC push_options
#pragma GCC target("avx2")
#include "sha256_lanes.h"
#include "sha256_simd_rounds.h"
#include "sha256_transpose_avx2.h"

namespace merkle {
namespace {

struct Avx2Ops {
  using Vec = __m256i;
  static constexpr size_t LANES = 8;
  static MT_ALWAYS_INLINE Vec Load(const uint32_t* p) { return _mm256_load_si256(reinterpret_cast<const Vec*>(p)); }
  static MT_ALWAYS_INLINE void Store(uint32_t* p, Vec v) { _mm256_store_si256(reinterpret_cast<Vec*>(p), v); }
  static MT_ALWAYS_INLINE Vec Set1(uint32_t x) { return _mm256_set1_epi32(static_cast<int>(x)); }
  static MT_ALWAYS_INLINE Vec Add(Vec a, Vec b) { return _mm256_add_epi32(a, b); }
  static MT_ALWAYS_INLINE Vec Xor3(Vec a, Vec b, Vec c) { return _mm256_xor_si256(_mm256_xor_si256(a, b), c); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Rotr(Vec x) { return _mm256_or_si256(_mm256_srli_epi32(x, N), _mm256_slli_epi32(x, 32 - N)); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Shr(Vec x) { return _mm256_srli_epi32(x, N); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Shl(Vec x) { return _mm256_slli_epi32(x, N); }
  static MT_ALWAYS_INLINE Vec Or(Vec a, Vec b) { return _mm256_or_si256(a, b); }
  // Ch(e, f, g) = (e & f) ^ (~e & g)
  static MT_ALWAYS_INLINE Vec Ch(Vec e, Vec f, Vec g) { return _mm256_xor_si256(_mm256_and_si256(e, f), _mm256_andnot_si256(e, g)); }
  // Maj(a, b, c) = (a & b) | (c & (a | b))
  static MT_ALWAYS_INLINE Vec Maj(Vec a, Vec b, Vec c) {
    return _mm256_or_si256(_mm256_and_si256(a, b), _mm256_and_si256(c, _mm256_or_si256(a, b)));
  }
  static MT_ALWAYS_INLINE void LoadBlocks(const uint8_t* const* blocks, Vec* w) {
    sha256_simd::LoadWords8x8(blocks, 0, w);
    sha256_simd::LoadWords8x8(blocks, 32, w + 8);
  }
};

using Avx2Lanes = sha256_simd::WideLanes<Avx2Ops>;

}  // namespace

void mt_sha256_many_avx2_x8(const uint8_t* const* messages, const size_t* lengths, size_t count,
                            int prefix, uint8_t* out) {
  // One message would leave seven lanes idle: scalar code is faster for it (measured, docs/native.md).
  if (count == 1) {
    mt_sha256_many_portable(messages, lengths, count, prefix, out);
    return;
  }
  sha256_lanes::HashMany<Avx2Lanes>(messages, lengths, count, prefix, out);
}

void mt_sha256_pairs_avx2_x8(const uint8_t* level, size_t count, int prefix, bool twice,
                             uint8_t* out) {
  sha256_simd::HashPairsWide<Avx2Ops>(level, count, prefix, twice, out);
}

}  // namespace merkle

#pragma GCC pop_options
