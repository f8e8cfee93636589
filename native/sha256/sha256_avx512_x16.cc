// SHA-256 on AVX-512, sixteen messages at once (one per 32-bit lane): native rotates and
// three-input logic (vpternlogd) make each round shorter than AVX2's.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"

// Everything below is compiled for AVX-512 F/VL/BW (which include AVX2); dispatch runs it only
// on CPUs and OSes that support it.
#pragma GCC push_options
#pragma GCC target("avx2,avx512f,avx512vl,avx512bw")
// GCC 12's own avx512fintrin.h trips -Wmaybe-uninitialized in _mm512_castsi256_si512 (its
// upper half is undefined by design, and every bit of it is overwritten by the insert).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include "sha256_lanes.h"
#include "sha256_simd_rounds.h"
#include "sha256_transpose_avx2.h"

namespace merkle {
namespace {

struct Avx512Ops {
  using Vec = __m512i;
  static constexpr size_t LANES = 16;
  static MT_ALWAYS_INLINE Vec Load(const uint32_t* p) { return _mm512_load_si512(p); }
  static MT_ALWAYS_INLINE void Store(uint32_t* p, Vec v) { _mm512_store_si512(p, v); }
  static MT_ALWAYS_INLINE Vec Set1(uint32_t x) { return _mm512_set1_epi32(static_cast<int>(x)); }
  static MT_ALWAYS_INLINE Vec Add(Vec a, Vec b) { return _mm512_add_epi32(a, b); }
  // vpternlogd immediates are the truth table of f(a, b, c) over a=0xF0, b=0xCC, c=0xAA.
  static MT_ALWAYS_INLINE Vec Xor3(Vec a, Vec b, Vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0x96); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Rotr(Vec x) { return _mm512_ror_epi32(x, N); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Shr(Vec x) { return _mm512_srli_epi32(x, N); }
  template <int N>
  static MT_ALWAYS_INLINE Vec Shl(Vec x) { return _mm512_slli_epi32(x, N); }
  static MT_ALWAYS_INLINE Vec Or(Vec a, Vec b) { return _mm512_or_si512(a, b); }
  // Ch(e, f, g) = (e & f) ^ (~e & g): 0xCA
  static MT_ALWAYS_INLINE Vec Ch(Vec e, Vec f, Vec g) { return _mm512_ternarylogic_epi32(e, f, g, 0xCA); }
  // Maj(a, b, c): 0xE8
  static MT_ALWAYS_INLINE Vec Maj(Vec a, Vec b, Vec c) { return _mm512_ternarylogic_epi32(a, b, c, 0xE8); }
  // LoadBlocks transposes lanes 0-7 and 8-15 separately (AVX2) and joins the halves.
  static MT_ALWAYS_INLINE void LoadBlocks(const uint8_t* const* blocks, Vec* w) {
    __m256i low[8], high[8];
    for (size_t offset = 0; offset < SHA256_BLOCK_LEN; offset += 32) {
      sha256_simd::LoadWords8x8(blocks, offset, low);
      sha256_simd::LoadWords8x8(blocks + 8, offset, high);
      for (int j = 0; j < 8; j++) {
        w[offset / 4 + j] = _mm512_inserti64x4(_mm512_castsi256_si512(low[j]), high[j], 1);
      }
    }
  }
};

using Avx512Lanes = sha256_simd::WideLanes<Avx512Ops>;

}  // namespace

void mt_sha256_many_avx512_x16(const uint8_t* const* messages, const size_t* lengths, size_t count,
                               int prefix, uint8_t* out) {
  // Up to 8 messages fill the 8-lane AVX2 kernel at least as fast (it also handles 1 message by
  // scalar code); a CPU with AVX-512 has AVX2. Measured, docs/native.md.
  if (count <= 8) {
    mt_sha256_many_avx2_x8(messages, lengths, count, prefix, out);
    return;
  }
  sha256_lanes::HashMany<Avx512Lanes>(messages, lengths, count, prefix, out);
}

void mt_sha256_pairs_avx512_x16(const uint8_t* level, size_t count, int prefix, bool twice,
                                uint8_t* out) {
  sha256_simd::HashPairsWide<Avx512Ops>(level, count, prefix, twice, out);
}

}  // namespace merkle

#pragma GCC diagnostic pop
#pragma GCC pop_options
