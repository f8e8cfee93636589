#include "cpu_features.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif
#if defined(__aarch64__) && defined(__linux__)
#include <sys/auxv.h>
#endif

namespace merkle {
namespace {

#if defined(__x86_64__) || defined(__i386__)
// xgetbv reads XCR0: which register states the OS saves on context switches.
uint64_t ReadXcr0() {
  uint32_t eax, edx;
  __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
  return (static_cast<uint64_t>(edx) << 32) | eax;
}

uint32_t Detect() {
  uint32_t features = 0;
  unsigned eax, ebx, ecx, edx;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
  if (ecx & bit_SSE4_1) features |= kCpuSse41;
  const bool osxsave = (ecx & bit_OSXSAVE) != 0;
  const uint64_t xcr0 = osxsave ? ReadXcr0() : 0;
  const bool os_ymm = (xcr0 & 0x6) == 0x6;     // XMM and YMM state
  const bool os_zmm = (xcr0 & 0xe6) == 0xe6;   // plus opmask and ZMM state
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) {
    if ((ebx & bit_AVX2) && os_ymm) features |= kCpuAvx2;
    const uint32_t avx512 = bit_AVX512F | bit_AVX512VL | bit_AVX512BW;
    if ((ebx & avx512) == avx512 && os_zmm) features |= kCpuAvx512;
    if ((ebx & bit_SHA) && (features & kCpuSse41)) features |= kCpuShaNi;
  }
  return features;
}
#elif defined(__aarch64__) && defined(__linux__)
uint32_t Detect() {
  // HWCAP_SHA2 is bit 6 of AT_HWCAP on arm64 Linux.
  return (getauxval(AT_HWCAP) & (1ul << 6)) ? kCpuArmSha2 : 0;
}
#else
uint32_t Detect() { return 0; }
#endif

}  // namespace

uint32_t CpuFeatures() {
  // Function-local statics are initialised once, thread-safely (C++11).
  static const uint32_t features = Detect();
  return features;
}

}  // namespace merkle
