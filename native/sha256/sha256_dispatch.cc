#include "sha256_dispatch.h"


#include "../blake3/blake3_dispatch.h"
#include "../common/cpu_features.h"
#include "../common/kernel_override.h"

namespace merkle {
namespace {

// Fastest first, as measured by bench/sha256.bench.mjs on Zen 4 (docs/native.md): SHA-NI beats
// the 16-lane AVX-512 kernel even on 64-byte node messages, which beats 8-lane AVX2.
const Sha256Kernel kKernels[] = {
#if defined(__x86_64__)
    {"shani-avx512-x4", "shani-avx512", kCpuShaNi | kCpuAvx512, 4, mt_sha256_many_shani_avx512_x4,
     mt_sha256_pairs_shani_avx512_x3},
    {"shani-x4", "shani", kCpuShaNi, 4, mt_sha256_many_shani_x4, mt_sha256_pairs_shani_x3},
    {"avx512-x16", "avx512", kCpuAvx512, 16, mt_sha256_many_avx512_x16, mt_sha256_pairs_avx512_x16},
    {"avx2-x8", "avx2", kCpuAvx2, 8, mt_sha256_many_avx2_x8, mt_sha256_pairs_avx2_x8},
#endif
    {"portable", "portable", 0, 1, mt_sha256_many_portable, mt_sha256_pairs_portable},
};
constexpr size_t kKernelCount = sizeof(kKernels) / sizeof(kKernels[0]);

const Sha256Kernel* const* KernelList() {
  static const Sha256Kernel* const* list = [] {
    static const Sha256Kernel* pointers[kKernelCount];
    for (size_t i = 0; i < kKernelCount; i++) pointers[i] = &kKernels[i];
    return pointers;
  }();
  return list;
}

std::string KernelNames() {
  std::string names;
  for (const Sha256Kernel& k : kKernels) {
    if (!Sha256KernelSupported(k)) continue;
    if (!names.empty()) names += ", ";
    names += k.isa;
  }
  return names;
}

bool IsSha256Name(const std::string& name) { return FindSha256Kernel(name) != nullptr; }
bool IsBlake3Name(const std::string& name) { return blake3::FindKernel(name) != nullptr; }

Sha256Dispatch Choose() {
  const KernelOverride forced = ReadKernelOverride("MERKLE_SHA256_KERNEL", IsSha256Name, IsBlake3Name);
  if (!forced.name.empty()) {
    const std::string setting = forced.variable + "=" + forced.name;
    const Sha256Kernel* kernel = FindSha256Kernel(forced.name);
    if (kernel == nullptr) return {nullptr, setting + " names no SHA-256 kernel; this CPU can run: " + KernelNames()};
    if (!Sha256KernelSupported(*kernel)) {
      return {nullptr, setting + ": this CPU lacks the " + kernel->isa + " instructions; it can run: " + KernelNames()};
    }
    return {kernel, ""};
  }
  for (const Sha256Kernel& k : kKernels) {
    if (Sha256KernelSupported(k)) return {&k, ""};
  }
  return {nullptr, "no SHA-256 kernel can run on this CPU"};  // unreachable: portable always can
}

}  // namespace

const Sha256Kernel* const* Sha256Kernels(size_t* count) {
  *count = kKernelCount;
  return KernelList();
}

bool Sha256KernelSupported(const Sha256Kernel& kernel) {
  return (CpuFeatures() & kernel.cpu_features) == kernel.cpu_features;
}

const Sha256Kernel* FindSha256Kernel(const std::string& name) {
  for (const Sha256Kernel& k : kKernels) {
    if (name == k.isa || name == k.name) return &k;
  }
  return nullptr;
}

const Sha256Dispatch& DispatchedSha256() {
  static const Sha256Dispatch dispatch = Choose();
  return dispatch;
}

}  // namespace merkle
