// SHA-256 on the x86 SHA extensions (SHA-NI), several independent messages in flight.
// Included by sha256_shani.cc and sha256_shani_avx512.cc, each after its own
// `#pragma GCC target(...)` and with MT_SHANI_MANY / MT_SHANI_PAIRS naming the two entry points:
// the same code compiled twice. With AVX-512 VL the compiler may also use XMM16-31 (SHA
// instructions themselves only reach XMM0-15) for the chain values and message schedules of
// the other streams, which cut spills: +10% on Zen 4.
//
// SHA256RNDS2 does two rounds, but each depends on the previous one's result, so a single
// message runs at the instruction's latency, not its throughput. Compressing several
// unrelated messages in one instruction stream gives the core independent work to overlap.
// Node messages (64 bytes, or 65 with a domain prefix) take a fixed-length path: for 64 bytes
// the second block is constant padding whose message schedule (W + K) is computed once.
//
// No include guard: each including file compiles its own copy, with internal linkage.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"
#include "sha256_lanes.h"
#include "sha256_padding.h"

namespace merkle {
namespace {

// Messages in flight, measured on Zen 4 (docs/native.md). General messages: 4 streams beat 2
// (long leaves +40%). Node messages: 3 beat 2 and 4 in both builds (4 streams' schedules spill).
constexpr size_t SHA_MANY_LANES = 4;
constexpr size_t SHA_PAIR_LANES = 3;

// SHA-NI keeps the chaining value as two registers, ABEF and CDGH (A in the top dword).
struct ChainValue {
  __m128i abef, cdgh;
};

MT_ALWAYS_INLINE __m128i ByteSwapWords(__m128i x) {
  const __m128i mask = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
  return _mm_shuffle_epi8(x, mask);
}

MT_ALWAYS_INLINE ChainValue InitialChainValue() {
  return {_mm_set_epi32(static_cast<int>(SHA256_IV[0]), static_cast<int>(SHA256_IV[1]),
                        static_cast<int>(SHA256_IV[4]), static_cast<int>(SHA256_IV[5])),
          _mm_set_epi32(static_cast<int>(SHA256_IV[2]), static_cast<int>(SHA256_IV[3]),
                        static_cast<int>(SHA256_IV[6]), static_cast<int>(SHA256_IV[7]))};
}

// WordsOf returns the chain value as words a..d and e..h, dword 0 first: the digest as
// message words, which is what SHA256d's second pass hashes.
MT_ALWAYS_INLINE void WordsOf(const ChainValue& cv, __m128i* abcd, __m128i* efgh) {
  *abcd = _mm_shuffle_epi32(_mm_unpackhi_epi64(cv.abef, cv.cdgh), 0xB1);
  *efgh = _mm_shuffle_epi32(_mm_unpacklo_epi64(cv.abef, cv.cdgh), 0xB1);
}

MT_ALWAYS_INLINE void StoreDigest(const ChainValue& cv, uint8_t* out) {
  __m128i abcd, efgh;
  WordsOf(cv, &abcd, &efgh);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out), ByteSwapWords(abcd));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 16), ByteSwapWords(efgh));
}

MT_ALWAYS_INLINE void FourRounds(ChainValue& cv, __m128i wk) {
  cv.cdgh = _mm_sha256rnds2_epu32(cv.cdgh, cv.abef, wk);
  cv.abef = _mm_sha256rnds2_epu32(cv.abef, cv.cdgh, _mm_shuffle_epi32(wk, 0x0E));
}

// Compress runs one block for each of N chain values. w[n][0..3] hold message n's 16 words
// (already big-endian decoded); they are overwritten by the schedule.
template <size_t N>
MT_ALWAYS_INLINE void Compress(ChainValue* cv, __m128i (*w)[4]) {
  ChainValue saved[N];
  for (size_t n = 0; n < N; n++) saved[n] = cv[n];
#pragma GCC unroll 16
  for (int g = 0; g < 16; g++) {
    const __m128i k = _mm_loadu_si128(reinterpret_cast<const __m128i*>(SHA256_K + 4 * g));
#pragma GCC unroll 4
    for (size_t n = 0; n < N; n++) {
      if (g >= 4) {
        // W[t..t+3] from W[t-16..t-1]: msg1 adds σ0 terms, alignr supplies W[t-7..t-4],
        // msg2 adds σ1 terms (which depend on the words being computed).
        const __m128i w16 = w[n][g & 3], w12 = w[n][(g + 1) & 3];
        const __m128i w8 = w[n][(g + 2) & 3], w4 = w[n][(g + 3) & 3];
        const __m128i t = _mm_add_epi32(_mm_sha256msg1_epu32(w16, w12), _mm_alignr_epi8(w4, w8, 4));
        w[n][g & 3] = _mm_sha256msg2_epu32(t, w4);
      }
      FourRounds(cv[n], _mm_add_epi32(w[n][g & 3], k));
    }
  }
  for (size_t n = 0; n < N; n++) {
    cv[n].abef = _mm_add_epi32(cv[n].abef, saved[n].abef);
    cv[n].cdgh = _mm_add_epi32(cv[n].cdgh, saved[n].cdgh);
  }
}


// CompressPadding64 runs the constant padding block of a 64-byte message for N chain values.
template <size_t N>
MT_ALWAYS_INLINE void CompressPadding64(ChainValue* cv) {
  ChainValue saved[N];
  for (size_t n = 0; n < N; n++) saved[n] = cv[n];
#pragma GCC unroll 16
  for (int g = 0; g < 16; g++) {
    const __m128i wk = _mm_load_si128(reinterpret_cast<const __m128i*>(kPad64Schedule.wk + 4 * g));
#pragma GCC unroll 4
    for (size_t n = 0; n < N; n++) FourRounds(cv[n], wk);
  }
  for (size_t n = 0; n < N; n++) {
    cv[n].abef = _mm_add_epi32(cv[n].abef, saved[n].abef);
    cv[n].cdgh = _mm_add_epi32(cv[n].cdgh, saved[n].cdgh);
  }
}

MT_ALWAYS_INLINE __m128i LoadWords(const uint8_t* p) {
  return ByteSwapWords(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// HashPairGroup hashes N node messages whose bodies start at body[n] (64 bytes each) and writes
// the digests to out[n]. All inputs are read before any output is written.
template <size_t N>
MT_ALWAYS_INLINE void HashPairGroup(const uint8_t* const* body, int prefix, bool twice,
                                             uint8_t* const* out) {
  ChainValue cv[N];
  __m128i w[N][4];
  uint32_t last_byte[N];
  for (size_t n = 0; n < N; n++) {
    cv[n] = InitialChainValue();
    const __m128i* p = reinterpret_cast<const __m128i*>(body[n]);
    const __m128i b0 = _mm_loadu_si128(p), b1 = _mm_loadu_si128(p + 1);
    const __m128i b2 = _mm_loadu_si128(p + 2), b3 = _mm_loadu_si128(p + 3);
    if (prefix < 0) {
      w[n][0] = ByteSwapWords(b0);
      w[n][1] = ByteSwapWords(b1);
      w[n][2] = ByteSwapWords(b2);
      w[n][3] = ByteSwapWords(b3);
    } else {
      // The first block is the prefix byte then body[0..63): shift the body right by one byte.
      const __m128i head = _mm_slli_si128(_mm_cvtsi32_si128(prefix), 15);
      w[n][0] = ByteSwapWords(_mm_alignr_epi8(b0, head, 15));
      w[n][1] = ByteSwapWords(_mm_alignr_epi8(b1, b0, 15));
      w[n][2] = ByteSwapWords(_mm_alignr_epi8(b2, b1, 15));
      w[n][3] = ByteSwapWords(_mm_alignr_epi8(b3, b2, 15));
      last_byte[n] = body[n][SHA256_PAIR_LEN - 1];
    }
  }
  Compress<N>(cv, w);
  if (prefix < 0) {
    CompressPadding64<N>(cv);
  } else {
    // Second block of a 65-byte message: its last byte, 0x80, zeros, length 520 bits.
    for (size_t n = 0; n < N; n++) {
      w[n][0] = _mm_cvtsi32_si128(static_cast<int>((last_byte[n] << 24) | 0x800000u));
      w[n][1] = _mm_setzero_si128();
      w[n][2] = _mm_setzero_si128();
      w[n][3] = _mm_set_epi32(8 * (SHA256_PAIR_LEN + 1), 0, 0, 0);
    }
    Compress<N>(cv, w);
  }
  if (twice) {
    // SHA256d: the digest is a 32-byte message: one block, 0x80 after it, length 256 bits.
    for (size_t n = 0; n < N; n++) {
      WordsOf(cv[n], &w[n][0], &w[n][1]);
      w[n][2] = _mm_cvtsi32_si128(static_cast<int>(0x80000000u));
      w[n][3] = _mm_set_epi32(8 * SHA256_OUT_LEN, 0, 0, 0);
      cv[n] = InitialChainValue();
    }
    Compress<N>(cv, w);
  }
  for (size_t n = 0; n < N; n++) StoreDigest(cv[n], out[n]);
}

// ShaniLanes is the scheduler's view of N interleaved SHA-NI streams.
template <size_t N>
struct ShaniLanes {
  static constexpr size_t LANES = N;
  struct State {
    ChainValue cv[N];
  };
  static MT_ALWAYS_INLINE void Reset(State& s, size_t lane) { s.cv[lane] = InitialChainValue(); }
  static MT_ALWAYS_INLINE void Compress(State& s, const uint8_t* const* blocks) {
    __m128i w[N][4];
    for (size_t n = 0; n < N; n++) {
      for (int i = 0; i < 4; i++) w[n][i] = LoadWords(blocks[n] + 16 * i);
    }
    merkle::Compress<N>(s.cv, w);
  }
  static MT_ALWAYS_INLINE void Digest(const State& s, size_t lane, uint8_t* out) {
    StoreDigest(s.cv[lane], out);
  }
};

}  // namespace

void MT_SHANI_MANY(const uint8_t* const* messages, const size_t* lengths, size_t count,
                             int prefix, uint8_t* out) {
  // Fewer messages than lanes: idle lanes would still cost SHA throughput, so use exactly as
  // many lanes as messages (a single long leaf runs as one stream).
  switch (count) {
    case 1:
      sha256_lanes::HashMany<ShaniLanes<1>>(messages, lengths, count, prefix, out);
      return;
    case 2:
      sha256_lanes::HashMany<ShaniLanes<2>>(messages, lengths, count, prefix, out);
      return;
    case 3:
      sha256_lanes::HashMany<ShaniLanes<3>>(messages, lengths, count, prefix, out);
      return;
    default:
      sha256_lanes::HashMany<ShaniLanes<SHA_MANY_LANES>>(messages, lengths, count, prefix, out);
  }
}

void MT_SHANI_PAIRS(const uint8_t* level, size_t count, int prefix, bool twice,
                              uint8_t* out) {
  const uint8_t* body[SHA_PAIR_LANES];
  uint8_t* dest[SHA_PAIR_LANES];
  size_t i = 0;
  for (; i + SHA_PAIR_LANES <= count; i += SHA_PAIR_LANES) {
    for (size_t n = 0; n < SHA_PAIR_LANES; n++) {
      body[n] = level + (i + n) * SHA256_PAIR_LEN;
      dest[n] = out + (i + n) * SHA256_OUT_LEN;
    }
    HashPairGroup<SHA_PAIR_LANES>(body, prefix, twice, dest);
  }
  if (count - i == 2) {
    for (size_t n = 0; n < 2; n++) {
      body[n] = level + (i + n) * SHA256_PAIR_LEN;
      dest[n] = out + (i + n) * SHA256_OUT_LEN;
    }
    HashPairGroup<2>(body, prefix, twice, dest);
  } else if (count - i == 1) {
    body[0] = level + i * SHA256_PAIR_LEN;
    dest[0] = out + i * SHA256_OUT_LEN;
    HashPairGroup<1>(body, prefix, twice, dest);
  }
}

}  // namespace merkle
