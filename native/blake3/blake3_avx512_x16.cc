// BLAKE3 hash_many, 16 lanes as two groups of 8 in YMM registers, with AVX-512VL's native
// 32-bit rotates and all 32 vector registers. Per-function target attributes; the dispatcher
// calls this only after cpu_features reported AVX-512 F/VL/BW with OS-saved ZMM state.
//
// Why YMM and not one group of 16 in ZMM: on Zen 4 (which executes a 512-bit instruction as two
// 256-bit halves) the same work ran 15% faster this way, 16 chunks in L1: 6.8 -> 7.9 GB/s
// (bench/native/blake3_kernel_cycles.cc; docs/blake3.md, "a third round"). Two groups give 8
// independent G chains per step, which 256-bit instructions need (one group of 8 is
// latency-bound). The two groups' state fills all 32 registers, so the message words are read
// from the pass's stack buffer by the adds themselves (AddMessage).
#include <immintrin.h>

#include <cstring>

#include "blake3_kernels.h"

#if defined(__x86_64__) || defined(__i386__)

// GCC 12's _mm256_ror_epi32 passes an undefined vector as its unused merge source, which
// -Wmaybe-uninitialized may report at call sites; the value is never read.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

// GCC's second instruction-scheduling pass (after register allocation) undoes the
// chains-side-by-side order of the G steps (blake3_simd_body.inc, RoundHalf) for this file;
// without it the 16-lane compression ran about 5% faster on Zen 4 (L1-resident chunks).
#pragma GCC optimize("no-schedule-insns2")

namespace merkle {
namespace blake3 {
namespace {

#define MT_TARGET __attribute__((target("avx512f,avx512vl,avx512bw")))

using Vec = __m256i;
constexpr size_t kVecLanes = 8;
constexpr size_t kGroups = 2;
constexpr bool kStepAcrossG = true;  // 32 registers: eight G chains side by side

MT_TARGET inline Vec Add(Vec a, Vec b) { return _mm256_add_epi32(a, b); }
MT_TARGET inline Vec Xor(Vec a, Vec b) { return _mm256_xor_si256(a, b); }
MT_TARGET inline Vec Set1(uint32_t w) { return _mm256_set1_epi32(static_cast<int>(w)); }
MT_TARGET inline Vec Rotr16(Vec x) { return _mm256_ror_epi32(x, 16); }
MT_TARGET inline Vec Rotr12(Vec x) { return _mm256_ror_epi32(x, 12); }
MT_TARGET inline Vec Rotr8(Vec x) { return _mm256_ror_epi32(x, 8); }
MT_TARGET inline Vec Rotr7(Vec x) { return _mm256_ror_epi32(x, 7); }
MT_TARGET inline Vec LoadWords(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const Vec*>(p)); }

// AddMessage adds a message word straight from the pass's message buffer (`vpaddd mem, a`).
// Written as an intrinsic (a load, then an add), GCC keeps some of the 16 words of each group
// in registers, which the 32 state vectors need, and spills state instead: 6.85 GB/s against
// 8.0 with this form in a prototype (16 chunks in L1, Zen 4).
MT_TARGET inline Vec AddMessage(Vec a, const Vec& word) {
  Vec sum;
  asm("vpaddd %2, %1, %0" : "=v"(sum) : "v"(a), "m"(word));
  return sum;
}

#include "blake3_transpose_x8.inc"

}  // namespace

#define MT_HASH_MANY_NAME mt_blake3_hash_many_avx512_x16
#define MT_NARROWER_HASH_MANY mt_blake3_hash_many_avx2_x8
#include "blake3_simd_body.inc"

}  // namespace blake3
}  // namespace merkle

#endif
