// Portable SHA-256 (FIPS 180-4), one block at a time: the oracle every SIMD kernel is tested
// against, and the kernel for CPUs without SHA extensions or AVX2.
#include <cstddef>
#include <cstdint>

#include "sha256_kernels.h"
#include "sha256_lanes.h"

namespace merkle {

namespace {

MT_ALWAYS_INLINE uint32_t Rotr(uint32_t x, int n) { return (x >> n) | (x << (32 - n)); }

MT_ALWAYS_INLINE uint32_t LoadBigEndian32(const uint8_t* p) {
  return (static_cast<uint32_t>(p[0]) << 24) | (static_cast<uint32_t>(p[1]) << 16) |
         (static_cast<uint32_t>(p[2]) << 8) | static_cast<uint32_t>(p[3]);
}

// PortableLanes is the scheduler's view of a one-lane scalar compressor.
struct PortableLanes {
  static constexpr size_t LANES = 1;
  struct State {
    uint32_t h[8];
  };

  static MT_ALWAYS_INLINE void Reset(State& s, size_t) {
    for (int i = 0; i < 8; i++) s.h[i] = SHA256_IV[i];
  }

  static MT_ALWAYS_INLINE void Compress(State& s, const uint8_t* const* blocks) {
    uint32_t w[64];
    for (int t = 0; t < 16; t++) w[t] = LoadBigEndian32(blocks[0] + 4 * t);
    for (int t = 16; t < 64; t++) {
      const uint32_t s0 = Rotr(w[t - 15], 7) ^ Rotr(w[t - 15], 18) ^ (w[t - 15] >> 3);
      const uint32_t s1 = Rotr(w[t - 2], 17) ^ Rotr(w[t - 2], 19) ^ (w[t - 2] >> 10);
      w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    uint32_t a = s.h[0], b = s.h[1], c = s.h[2], d = s.h[3];
    uint32_t e = s.h[4], f = s.h[5], g = s.h[6], h = s.h[7];
    for (int t = 0; t < 64; t++) {
      const uint32_t t1 = h + (Rotr(e, 6) ^ Rotr(e, 11) ^ Rotr(e, 25)) + ((e & f) ^ (~e & g)) +
                          SHA256_K[t] + w[t];
      const uint32_t t2 = (Rotr(a, 2) ^ Rotr(a, 13) ^ Rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
      h = g;
      g = f;
      f = e;
      e = d + t1;
      d = c;
      c = b;
      b = a;
      a = t1 + t2;
    }
    s.h[0] += a;
    s.h[1] += b;
    s.h[2] += c;
    s.h[3] += d;
    s.h[4] += e;
    s.h[5] += f;
    s.h[6] += g;
    s.h[7] += h;
  }

  static MT_ALWAYS_INLINE void Digest(const State& s, size_t, uint8_t* out) {
    for (int i = 0; i < 8; i++) {
      out[4 * i] = static_cast<uint8_t>(s.h[i] >> 24);
      out[4 * i + 1] = static_cast<uint8_t>(s.h[i] >> 16);
      out[4 * i + 2] = static_cast<uint8_t>(s.h[i] >> 8);
      out[4 * i + 3] = static_cast<uint8_t>(s.h[i]);
    }
  }
};

}  // namespace

void mt_sha256_many_portable(const uint8_t* const* messages, const size_t* lengths, size_t count,
                             int prefix, uint8_t* out) {
  sha256_lanes::HashMany<PortableLanes>(messages, lengths, count, prefix, out);
}

void mt_sha256_pairs_portable(const uint8_t* level, size_t count, int prefix, bool twice,
                              uint8_t* out) {
  sha256_lanes::HashPairsByMany<PortableLanes>(level, count, prefix, twice, out);
}

}  // namespace merkle
