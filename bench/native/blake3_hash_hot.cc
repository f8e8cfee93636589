// One 1 MiB message hashed over and over through blake3_batch.cc's Hash with the AVX-512 kernel
// (cache-resident data: the chunk passes, the parent levels and the lane order together), GB/s
// at each buffer offset given on the command line, best of 30 runs of 100 hashes. Compare
// builds in several processes: the same binary can differ by a few per cent from one process to
// the next (where the buffer's pages fall in the 1 MiB L2).
//
// Build and run from the repository root (one g++ line, split here for width):
//   g++ -std=c++17 -O3 -Inative/blake3 bench/native/blake3_hash_hot.cc native/blake3/blake3_batch.cc
//     native/blake3/blake3_avx512_x16.cc native/blake3/blake3_avx2_x8.cc
//     native/blake3/blake3_sse41_x4.cc native/blake3/blake3_portable.cc -o /tmp/b3-hash-hot
//   /tmp/b3-hash-hot 0 554 3131
// Needs a CPU with AVX-512 F/VL/BW (the kernel is named directly, without the dispatcher).
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "blake3_batch.h"

int main(int argc, char** argv) {
  using merkle::blake3::KernelInfo;
  const KernelInfo kernel = {"avx512", "avx512-x16", 16, 0, merkle::blake3::mt_blake3_hash_many_avx512_x16};
  constexpr size_t kMessage = 1 << 20;
  alignas(4096) static uint8_t backing[kMessage + 4096];
  for (size_t i = 0; i < sizeof backing; i++) backing[i] = static_cast<uint8_t>(i * 7 + (i >> 11));
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s offset [offset ...]  (0 <= offset <= 4096)\n", argv[0]);
    return 2;
  }
  for (int a = 1; a < argc; a++) {
    const long offset = std::strtol(argv[a], nullptr, 10);
    if (offset < 0 || offset > 4096) {
      std::fprintf(stderr, "offset %s is not in [0, 4096]\n", argv[a]);
      return 2;
    }
    const uint8_t* data = backing + offset;
    uint8_t digest[32];
    double best_ns = 1e300;
    for (int run = 0; run < 30; run++) {
      const auto t0 = std::chrono::steady_clock::now();
      for (int r = 0; r < 100; r++) merkle::blake3::Hash(kernel, data, kMessage, digest);
      const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
      if (ns < best_ns) best_ns = ns;
    }
    std::printf("offset %4ld: %.3f GB/s (digest starts %02x)\n", offset, 100.0 * kMessage / best_ns, digest[0]);
  }
  return 0;
}
