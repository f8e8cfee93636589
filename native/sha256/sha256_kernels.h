// SHA-256 kernels: hash many independent messages per call. Pure C++ (no N-API), so the same
// code serves the addon, the ASan build and any future caller.
//
// Every instruction set provides the same two entry points, named mt_sha256_<op>_<isa>:
//   many:  message i is (prefix byte if prefix >= 0) ‖ messages[i][0, lengths[i]);
//   pairs: message i is (prefix byte if prefix >= 0) ‖ level[64·i, 64·i + 64), i.e. two adjacent
//          32-byte digests; with `twice`, the 32-byte digest is hashed once more (SHA256d).
// Digest i goes to out[32·i, 32·i + 32). The caller owns every buffer and guarantees the sizes:
// kernels do no checks (the TypeScript edge validated the arguments) and must only run on a CPU
// that has their instructions (dispatch in sha256_dispatch.cc checked).
// `out` may alias the input of `pairs` exactly (out == level) — levels are hashed in place.
#ifndef MERKLE_SHA256_KERNELS_H_
#define MERKLE_SHA256_KERNELS_H_

#include <cstddef>
#include <cstdint>

namespace merkle {

constexpr size_t SHA256_BLOCK_LEN = 64;
constexpr size_t SHA256_OUT_LEN = 32;
// A pair of child digests: the body of a node message.
constexpr size_t SHA256_PAIR_LEN = 2 * SHA256_OUT_LEN;
// Value of `prefix` meaning no domain-separation byte.
constexpr int SHA256_NO_PREFIX = -1;

// FIPS 180-4 §4.2.2 round constants and §5.3.3 initial hash value.
alignas(64) inline constexpr uint32_t SHA256_K[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

inline constexpr uint32_t SHA256_IV[8] = {
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
};

using Sha256ManyFn = void (*)(const uint8_t* const* messages, const size_t* lengths, size_t count,
                              int prefix, uint8_t* out);
using Sha256PairsFn = void (*)(const uint8_t* level, size_t count, int prefix, bool twice,
                               uint8_t* out);

// Sha256Kernel is one instruction set's implementation, as dispatch and the tests see it.
struct Sha256Kernel {
  const char* name;       // e.g. "shani-x4"; shown to users as HashKernel.kernel
  const char* isa;        // the MERKLE_SHA256_KERNEL value that selects it, e.g. "shani"
  uint32_t cpu_features;  // CpuFeature bits the CPU must have
  uint32_t lanes;         // messages `many` keeps in flight (message k of a call starts in lane k mod lanes)
  Sha256ManyFn many;
  Sha256PairsFn pairs;
};

void mt_sha256_many_portable(const uint8_t* const* messages, const size_t* lengths, size_t count,
                             int prefix, uint8_t* out);
void mt_sha256_pairs_portable(const uint8_t* level, size_t count, int prefix, bool twice,
                              uint8_t* out);

#if defined(__x86_64__)
// SHA-NI: general messages 4 in flight, node messages 3 (see sha256_shani.cc).
void mt_sha256_many_shani_x4(const uint8_t* const* messages, const size_t* lengths, size_t count,
                             int prefix, uint8_t* out);
void mt_sha256_pairs_shani_x3(const uint8_t* level, size_t count, int prefix, bool twice,
                              uint8_t* out);
// The same SHA-NI code compiled with AVX-512 VL (more registers for the other instructions).
void mt_sha256_many_shani_avx512_x4(const uint8_t* const* messages, const size_t* lengths,
                                    size_t count, int prefix, uint8_t* out);
void mt_sha256_pairs_shani_avx512_x3(const uint8_t* level, size_t count, int prefix, bool twice,
                                     uint8_t* out);
void mt_sha256_many_avx2_x8(const uint8_t* const* messages, const size_t* lengths, size_t count,
                            int prefix, uint8_t* out);
void mt_sha256_pairs_avx2_x8(const uint8_t* level, size_t count, int prefix, bool twice,
                             uint8_t* out);
void mt_sha256_many_avx512_x16(const uint8_t* const* messages, const size_t* lengths, size_t count,
                               int prefix, uint8_t* out);
void mt_sha256_pairs_avx512_x16(const uint8_t* level, size_t count, int prefix, bool twice,
                                uint8_t* out);
#endif

}  // namespace merkle

#endif  // MERKLE_SHA256_KERNELS_H_
