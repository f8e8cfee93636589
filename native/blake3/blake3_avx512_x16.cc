// BLAKE3 hash_many, 16 lanes in ZMM registers with native 32-bit rotates. Per-function
// target attributes; the dispatcher calls this only after cpu_features reported AVX-512
// F/VL/BW with OS-saved ZMM state.
#include <immintrin.h>

#include <cstring>

#include "blake3_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

// GCC 12's _mm512_ror_epi32 passes _mm512_undefined_epi32() as its unused merge source,
// which -Wmaybe-uninitialized reports at every call site; the value is never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// GCC's second instruction-scheduling pass (after register allocation) undoes the
// four-chains-side-by-side order of the G steps (blake3_simd_body.inc, G4) for this file;
// without it the 16-lane compression ran about 5% faster on Zen 4 (L1-resident chunks).
#pragma GCC optimize("no-schedule-insns2")

namespace merkle {
namespace blake3 {
namespace {

#define MT_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))

using Vec = __m512i;
constexpr size_t kLanes = 16;
constexpr bool kStepAcrossG = true;  // 32 registers: four G chains side by side

MT_TARGET inline Vec Add(Vec a, Vec b) { return _mm512_add_epi32(a, b); }
MT_TARGET inline Vec Xor(Vec a, Vec b) { return _mm512_xor_si512(a, b); }
MT_TARGET inline Vec Set1(uint32_t w) { return _mm512_set1_epi32(static_cast<int>(w)); }
MT_TARGET inline Vec Rotr16(Vec x) { return _mm512_ror_epi32(x, 16); }
MT_TARGET inline Vec Rotr12(Vec x) { return _mm512_ror_epi32(x, 12); }
MT_TARGET inline Vec Rotr8(Vec x) { return _mm512_ror_epi32(x, 8); }
MT_TARGET inline Vec Rotr7(Vec x) { return _mm512_ror_epi32(x, 7); }
MT_TARGET inline Vec LoadWords(const uint32_t* p) { return _mm512_loadu_si512(p); }

// LoadBlocksTransposed loads one 64-byte block per lane (a row of 16 words) and transposes
// the 16x16 word matrix so m[w] holds word w of every lane. Within 128-bit quarters a 4x4
// transpose by 32- and 64-bit interleaves; then the quarters are regrouped across rows.
MT_TARGET inline void LoadBlocksTransposed(const uint8_t* const ptrs[kLanes], Vec m[16]) {
  Vec r[16], t[16];
  for (size_t i = 0; i < kLanes; i++) r[i] = _mm512_loadu_si512(ptrs[i]);
  for (int p = 0; p < 8; p++) {
    t[2 * p] = _mm512_unpacklo_epi32(r[2 * p], r[2 * p + 1]);
    t[2 * p + 1] = _mm512_unpackhi_epi32(r[2 * p], r[2 * p + 1]);
  }
  // u[g][k]: in quarter q, word 4q+k of rows 4g..4g+3.
  Vec u[4][4];
  for (int g = 0; g < 4; g++) {
    const Vec* tg = t + 4 * g;
    u[g][0] = _mm512_unpacklo_epi64(tg[0], tg[2]);
    u[g][1] = _mm512_unpackhi_epi64(tg[0], tg[2]);
    u[g][2] = _mm512_unpacklo_epi64(tg[1], tg[3]);
    u[g][3] = _mm512_unpackhi_epi64(tg[1], tg[3]);
  }
  for (int k = 0; k < 4; k++) {
    // Regroup quarters: word 4q+k = [u[0][k].q, u[1][k].q, u[2][k].q, u[3][k].q].
    const Vec x01_lo = _mm512_shuffle_i32x4(u[0][k], u[1][k], 0x44);  // u0.q0 u0.q1 u1.q0 u1.q1
    const Vec x01_hi = _mm512_shuffle_i32x4(u[0][k], u[1][k], 0xEE);  // u0.q2 u0.q3 u1.q2 u1.q3
    const Vec x23_lo = _mm512_shuffle_i32x4(u[2][k], u[3][k], 0x44);
    const Vec x23_hi = _mm512_shuffle_i32x4(u[2][k], u[3][k], 0xEE);
    m[k] = _mm512_shuffle_i32x4(x01_lo, x23_lo, 0x88);       // quarter 0 of each
    m[4 + k] = _mm512_shuffle_i32x4(x01_lo, x23_lo, 0xDD);   // quarter 1
    m[8 + k] = _mm512_shuffle_i32x4(x01_hi, x23_hi, 0x88);   // quarter 2
    m[12 + k] = _mm512_shuffle_i32x4(x01_hi, x23_hi, 0xDD);  // quarter 3
  }
}

// StoreCvsTransposed writes lane i's 8 CV words to out[32i, 32i + 32) (x86 is little-endian,
// as BLAKE3's byte order). Interleaves give, in quarter q, words 0-3 (lo[k]) and words 4-7
// (hi[k]) of lane 4q + k; one two-source permute per half pairs them into two lanes' 32 bytes.
MT_TARGET inline void StoreCvsTransposed(const Vec cv[8], uint8_t* out) {
  Vec lo[4], hi[4];
  for (int half = 0; half < 2; half++) {
    const Vec* c = cv + 4 * half;
    Vec* dst = half == 0 ? lo : hi;
    const Vec t0 = _mm512_unpacklo_epi32(c[0], c[1]);
    const Vec t1 = _mm512_unpackhi_epi32(c[0], c[1]);
    const Vec t2 = _mm512_unpacklo_epi32(c[2], c[3]);
    const Vec t3 = _mm512_unpackhi_epi32(c[2], c[3]);
    dst[0] = _mm512_unpacklo_epi64(t0, t2);
    dst[1] = _mm512_unpackhi_epi64(t0, t2);
    dst[2] = _mm512_unpacklo_epi64(t1, t3);
    dst[3] = _mm512_unpackhi_epi64(t1, t3);
  }
  // 64-bit element indices: 0-7 from lo[k], 8-15 from hi[k]; quarter q is elements 2q, 2q+1.
  const Vec quarters01 = _mm512_setr_epi64(0, 1, 8, 9, 2, 3, 10, 11);    // lanes k, 4 + k
  const Vec quarters23 = _mm512_setr_epi64(4, 5, 12, 13, 6, 7, 14, 15);  // lanes 8 + k, 12 + k
  for (int k = 0; k < 4; k++) {
    const Vec first = _mm512_permutex2var_epi64(lo[k], quarters01, hi[k]);
    const Vec second = _mm512_permutex2var_epi64(lo[k], quarters23, hi[k]);
    auto store = [&](size_t lane, __m256i x) {
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + OUT_LEN * lane), x);
    };
    store(k, _mm512_castsi512_si256(first));
    store(4 + k, _mm512_extracti64x4_epi64(first, 1));
    store(8 + k, _mm512_castsi512_si256(second));
    store(12 + k, _mm512_extracti64x4_epi64(second, 1));
  }
}

}  // namespace

#define MT_HASH_MANY_NAME mt_blake3_hash_many_avx512_x16
#define MT_NARROWER_HASH_MANY mt_blake3_hash_many_avx2_x8
#include "blake3_simd_body.inc"

}  // namespace blake3
}  // namespace merkle

#endif
