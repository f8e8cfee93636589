// The 64 SHA-256 rounds on vectors of independent lanes (one message per 32-bit lane), shared
// by the AVX2 x8 and AVX-512 x16 kernels. `V` supplies the vector type and operations; this
// header is included after a file's `#pragma GCC target(...)` so everything inlines into one
// function for that instruction set (internal linkage, for the reason sha256_lanes.h gives).
#ifndef MERKLE_SHA256_SIMD_ROUNDS_H_
#define MERKLE_SHA256_SIMD_ROUNDS_H_

#include "sha256_kernels.h"
#include "sha256_lanes.h"
#include "sha256_padding.h"

namespace merkle {
namespace sha256_simd {
namespace {

// Round runs one SHA-256 round in every lane, given W[t] + K[t]. s[0..7] = a..h; the shifts
// of the working variables cost nothing once the 64 rounds are unrolled (register renaming).
template <class V>
MT_ALWAYS_INLINE void Round(typename V::Vec* s, typename V::Vec wk) {
  using Vec = typename V::Vec;
  const Vec sigma1 = V::Xor3(V::template Rotr<6>(s[4]), V::template Rotr<11>(s[4]), V::template Rotr<25>(s[4]));
  const Vec t1 = V::Add(V::Add(s[7], sigma1), V::Add(V::Ch(s[4], s[5], s[6]), wk));
  const Vec sigma0 = V::Xor3(V::template Rotr<2>(s[0]), V::template Rotr<13>(s[0]), V::template Rotr<22>(s[0]));
  const Vec t2 = V::Add(sigma0, V::Maj(s[0], s[1], s[2]));
  s[7] = s[6];
  s[6] = s[5];
  s[5] = s[4];
  s[4] = V::Add(s[3], t1);
  s[3] = s[2];
  s[2] = s[1];
  s[1] = s[0];
  s[0] = V::Add(t1, t2);
}

template <class V>
MT_ALWAYS_INLINE void FeedForward(typename V::Vec* h, const typename V::Vec* s) {
  for (int i = 0; i < 8; i++) h[i] = V::Add(h[i], s[i]);
}

// CompressVectors runs one block in every lane: h[0..7] are the chain-value words (a..h),
// w[0..15] the block's big-endian-decoded words, overwritten by the message schedule.
template <class V>
MT_ALWAYS_INLINE void CompressVectors(typename V::Vec* h, typename V::Vec* w) {
  using Vec = typename V::Vec;
  Vec s[8];
  for (int i = 0; i < 8; i++) s[i] = h[i];
#pragma GCC unroll 64
  for (int t = 0; t < 64; t++) {
    if (t >= 16) {
      const Vec x = w[(t - 15) & 15], y = w[(t - 2) & 15];
      const Vec s0 = V::Xor3(V::template Rotr<7>(x), V::template Rotr<18>(x), V::template Shr<3>(x));
      const Vec s1 = V::Xor3(V::template Rotr<17>(y), V::template Rotr<19>(y), V::template Shr<10>(y));
      w[t & 15] = V::Add(V::Add(w[t & 15], s0), V::Add(w[(t - 7) & 15], s1));
    }
    Round<V>(s, V::Add(V::Set1(SHA256_K[t]), w[t & 15]));
  }
  FeedForward<V>(h, s);
}

// CompressPaddingVectors runs, in every lane, the padding block that ends a 64-byte message:
// its W + K is one compile-time constant, so there is no schedule to compute.
template <class V>
MT_ALWAYS_INLINE void CompressPaddingVectors(typename V::Vec* h) {
  typename V::Vec s[8];
  for (int i = 0; i < 8; i++) s[i] = h[i];
#pragma GCC unroll 64
  for (int t = 0; t < 64; t++) Round<V>(s, V::Set1(kPad64Schedule.wk[t]));
  FeedForward<V>(h, s);
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

// HashPairsWide is `pairs` for the vector kernels: LANES node messages per step, loaded
// straight from the level, with the constant padding block of 64-byte messages and SHA256d's
// second pass kept in registers. A step reads all its inputs before writing any digest, so
// out may be level itself.
template <class V>
MT_ALWAYS_INLINE void HashPairsWide(const uint8_t* level, size_t count, int prefix, bool twice,
                                    uint8_t* out) {
  using Vec = typename V::Vec;
  constexpr size_t L = V::LANES;
  alignas(64) uint32_t digest[8][L];
  const uint8_t* bodies[L];
  for (size_t begin = 0; begin < count; begin += L) {
    const size_t n = count - begin < L ? count - begin : L;
    for (size_t lane = 0; lane < L; lane++) {
      bodies[lane] = lane < n ? level + (begin + lane) * SHA256_PAIR_LEN : sha256_lanes::kZeroBlock;
    }
    Vec h[8], w[16];
    for (int i = 0; i < 8; i++) h[i] = V::Set1(SHA256_IV[i]);
    V::LoadBlocks(bodies, w);
    if (prefix < 0) {
      CompressVectors<V>(h, w);
      CompressPaddingVectors<V>(h);
    } else {
      // prefix ‖ body is the body moved one byte right: word i takes the last byte of body word
      // i - 1 (the prefix for i = 0) and the first three of body word i. The last body byte
      // starts the second block, followed by 0x80, zeros and the length, 520 bits.
      const Vec last = V::template Shl<24>(w[15]);
      for (int i = 15; i > 0; i--) w[i] = V::Or(V::template Shr<8>(w[i]), V::template Shl<24>(w[i - 1]));
      w[0] = V::Or(V::template Shr<8>(w[0]), V::Set1(static_cast<uint32_t>(prefix) << 24));
      CompressVectors<V>(h, w);
      w[0] = V::Or(last, V::Set1(0x00800000u));
      for (int i = 1; i < 15; i++) w[i] = V::Set1(0);
      w[15] = V::Set1(8 * (SHA256_PAIR_LEN + 1));
      CompressVectors<V>(h, w);
    }
    if (twice) {
      // SHA256d: the digest words are the next message's first 8 words; then 0x80 and 256 bits.
      for (int i = 0; i < 8; i++) {
        w[i] = h[i];
        h[i] = V::Set1(SHA256_IV[i]);
      }
      w[8] = V::Set1(0x80000000u);
      for (int i = 9; i < 15; i++) w[i] = V::Set1(0);
      w[15] = V::Set1(8 * SHA256_OUT_LEN);
      CompressVectors<V>(h, w);
    }
    for (int i = 0; i < 8; i++) V::Store(digest[i], h[i]);
    for (size_t lane = 0; lane < n; lane++) {
      uint8_t* dest = out + (begin + lane) * SHA256_OUT_LEN;
      for (int i = 0; i < 8; i++) {
        const uint32_t x = digest[i][lane];
        dest[4 * i] = static_cast<uint8_t>(x >> 24);
        dest[4 * i + 1] = static_cast<uint8_t>(x >> 16);
        dest[4 * i + 2] = static_cast<uint8_t>(x >> 8);
        dest[4 * i + 3] = static_cast<uint8_t>(x);
      }
    }
  }
}

}  // namespace
}  // namespace sha256_simd
}  // namespace merkle

#endif  // MERKLE_SHA256_SIMD_ROUNDS_H_
