// The 64 SHA-256 rounds on vectors of independent lanes (one message per 32-bit lane), shared
// by the AVX2 x8 and AVX-512 x16 kernels. `V` supplies the vector type and operations; this
// header is included after a file's `#pragma GCC target(...)` so everything inlines into one
// function for that instruction set (internal linkage, for the reason sha256_lanes.h gives).
#ifndef MERKLE_SHA256_SIMD_ROUNDS_H_
#define MERKLE_SHA256_SIMD_ROUNDS_H_

#include "sha256_kernels.h"
#include "sha256_lanes.h"

namespace merkle {
namespace sha256_simd {
namespace {

// CompressVectors runs one block in every lane: h[0..7] are the chain-value words (a..h),
// w[0..15] the block's big-endian-decoded words, overwritten by the message schedule.
template <class V>
MT_ALWAYS_INLINE void CompressVectors(typename V::Vec* h, typename V::Vec* w) {
  using Vec = typename V::Vec;
  Vec a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
#pragma GCC unroll 64
  for (int t = 0; t < 64; t++) {
    if (t >= 16) {
      const Vec x = w[(t - 15) & 15], y = w[(t - 2) & 15];
      const Vec s0 = V::Xor3(V::template Rotr<7>(x), V::template Rotr<18>(x), V::template Shr<3>(x));
      const Vec s1 = V::Xor3(V::template Rotr<17>(y), V::template Rotr<19>(y), V::template Shr<10>(y));
      w[t & 15] = V::Add(V::Add(w[t & 15], s0), V::Add(w[(t - 7) & 15], s1));
    }
    const Vec sigma1 = V::Xor3(V::template Rotr<6>(e), V::template Rotr<11>(e), V::template Rotr<25>(e));
    const Vec t1 = V::Add(V::Add(hh, sigma1), V::Add(V::Ch(e, f, g), V::Add(V::Set1(SHA256_K[t]), w[t & 15])));
    const Vec sigma0 = V::Xor3(V::template Rotr<2>(a), V::template Rotr<13>(a), V::template Rotr<22>(a));
    const Vec t2 = V::Add(sigma0, V::Maj(a, b, c));
    hh = g;
    g = f;
    f = e;
    e = V::Add(d, t1);
    d = c;
    c = b;
    b = a;
    a = V::Add(t1, t2);
  }
  h[0] = V::Add(h[0], a);
  h[1] = V::Add(h[1], b);
  h[2] = V::Add(h[2], c);
  h[3] = V::Add(h[3], d);
  h[4] = V::Add(h[4], e);
  h[5] = V::Add(h[5], f);
  h[6] = V::Add(h[6], g);
  h[7] = V::Add(h[7], hh);
}

// WideLanes is the scheduler's view of a LANES-wide vector kernel. The chain values are kept
// word-major in memory (h[word][lane]) so Reset and Digest touch one lane with scalar code and
// Compress loads whole vectors; V::LoadBlocks transposes the lanes' blocks into words.
template <class V>
struct WideLanes {
  static constexpr size_t LANES = V::LANES;
  struct State {
    alignas(64) uint32_t h[8][LANES];
  };
  static MT_ALWAYS_INLINE void Reset(State& s, size_t lane) {
    for (int i = 0; i < 8; i++) s.h[i][lane] = SHA256_IV[i];
  }
  static MT_ALWAYS_INLINE void Compress(State& s, const uint8_t* const* blocks) {
    typename V::Vec h[8], w[16];
    for (int i = 0; i < 8; i++) h[i] = V::Load(s.h[i]);
    V::LoadBlocks(blocks, w);
    CompressVectors<V>(h, w);
    for (int i = 0; i < 8; i++) V::Store(s.h[i], h[i]);
  }
  static MT_ALWAYS_INLINE void Digest(const State& s, size_t lane, uint8_t* out) {
    for (int i = 0; i < 8; i++) {
      const uint32_t x = s.h[i][lane];
      out[4 * i] = static_cast<uint8_t>(x >> 24);
      out[4 * i + 1] = static_cast<uint8_t>(x >> 16);
      out[4 * i + 2] = static_cast<uint8_t>(x >> 8);
      out[4 * i + 3] = static_cast<uint8_t>(x);
    }
  }
};

}  // namespace
}  // namespace sha256_simd
}  // namespace merkle

#endif  // MERKLE_SHA256_SIMD_ROUNDS_H_
