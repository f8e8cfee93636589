// The 16-lane AVX-512 BLAKE3 kernel alone, on 16 chunks that stay in L1: GB/s and TSC ticks per
// 16-lane block compression, best of 15 runs. For trying kernel changes without the addon, the
// batch code or Node around them (steadier than bench/blake3-ab.mjs, but it says nothing about
// parents, lane order or memory; judge a change that wins here with the A/B bench too).
//
// Build and run from the repository root (the kernel files carry their own target attributes):
//   g++ -std=c++17 -O3 -Inative/blake3 bench/native/blake3_kernel_cycles.cc
//     native/blake3/blake3_avx512_x16.cc native/blake3/blake3_avx2_x8.cc
//     native/blake3/blake3_sse41_x4.cc native/blake3/blake3_portable.cc -o /tmp/b3-cycles
//   /tmp/b3-cycles
// (the g++ command is one line, split here for width).
// Needs a CPU with AVX-512 F/VL/BW (the kernel is called directly, without the dispatcher).
// TSC ticks run at the nominal clock, not the core's: on the Zen 4 VM here 2.6 GHz nominal against
// about 3.67 GHz measured by a chain of dependent adds, so cycles = ticks x 3.67 / 2.6.
#include <x86intrin.h>

#include <chrono>
#include <cstdio>

#include "blake3_kernels.h"

using merkle::blake3::IV;

int main() {
  constexpr int kLanes = 16;
  constexpr int kIterations = 20000;
  static uint8_t data[kLanes * merkle::blake3::CHUNK_LEN];
  for (size_t i = 0; i < sizeof data; i++) data[i] = static_cast<uint8_t>(i * 7);
  const uint8_t* inputs[kLanes];
  uint64_t counters[kLanes];
  for (int i = 0; i < kLanes; i++) {
    inputs[i] = data + merkle::blake3::CHUNK_LEN * i;
    counters[i] = i;
  }
  uint8_t out[kLanes * merkle::blake3::OUT_LEN];
  const double blocks = static_cast<double>(kIterations) * (merkle::blake3::CHUNK_LEN / merkle::blake3::BLOCK_LEN);
  double best_ns = 1e300;
  uint64_t best_ticks = 0;
  for (int run = 0; run < 15; run++) {
    const auto t0 = std::chrono::steady_clock::now();
    const uint64_t c0 = __rdtsc();
    for (int k = 0; k < kIterations; k++) {
      merkle::blake3::mt_blake3_hash_many_avx512_x16(inputs, kLanes, merkle::blake3::CHUNK_LEN, IV, counters, 0,
                                                     merkle::blake3::CHUNK_START, merkle::blake3::CHUNK_END, out);
    }
    const uint64_t ticks = __rdtsc() - c0;
    const double ns = std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count();
    if (ns < best_ns) {
      best_ns = ns;
      best_ticks = ticks;
    }
  }
  std::printf("%.3f GB/s, %.1f TSC ticks per 16-lane block (first CV byte %02x)\n",
              kIterations * static_cast<double>(sizeof data) / best_ns, best_ticks / blocks, out[0]);
  return 0;
}
