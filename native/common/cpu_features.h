// CPU feature detection for runtime kernel dispatch. Detected once (thread-safe static
// initialisation); every dispatcher in the addon asks here, so there is one answer.
#ifndef MERKLE_CPU_FEATURES_H_
#define MERKLE_CPU_FEATURES_H_

#include <cstdint>

namespace merkle {

enum CpuFeature : uint32_t {
  kCpuSse41 = 1u << 0,
  kCpuAvx2 = 1u << 1,
  // AVX-512 F + VL + BW, and the OS saves ZMM state.
  kCpuAvx512 = 1u << 2,
  kCpuShaNi = 1u << 3,
  kCpuArmSha2 = 1u << 4,
};

// CpuFeatures returns the OR of the CpuFeature bits this CPU and OS support.
uint32_t CpuFeatures();

}  // namespace merkle

#endif  // MERKLE_CPU_FEATURES_H_
