#include "blake3_dispatch.h"


#include "../common/cpu_features.h"
#include "../common/kernel_override.h"
#include "../sha256/sha256_dispatch.h"

namespace merkle {
namespace blake3 {
namespace {

const KernelInfo kKernels[] = {
    {"portable", "portable", 1, 0, mt_blake3_hash_many_portable},
#if defined(__x86_64__) || defined(__i386__)
    {"sse41", "sse41-x4", 4, kCpuSse41, mt_blake3_hash_many_sse41_x4},
    // A wide kernel hands passes at most half full to the next narrower one, so it requires
    // that kernel's features too (every CPU with AVX-512 or AVX2 has them).
    {"avx2", "avx2-x8", 8, kCpuAvx2 | kCpuSse41, mt_blake3_hash_many_avx2_x8},
    {"avx512", "avx512-x16", 16, kCpuAvx512 | kCpuAvx2 | kCpuSse41, mt_blake3_hash_many_avx512_x16},
#endif
};
constexpr size_t kKernelCount = sizeof kKernels / sizeof kKernels[0];

std::string KnownIds() {
  std::string ids;
  for (const KernelInfo& k : kKernels) ids += (ids.empty() ? "" : "|") + std::string(k.id);
  return ids;
}

bool IsBlake3Name(const std::string& name) { return FindKernel(name) != nullptr; }
bool IsSha256Name(const std::string& name) { return FindSha256Kernel(name) != nullptr; }

Selection Select() {
  const KernelOverride forced = ReadKernelOverride("MERKLE_BLAKE3_KERNEL", IsBlake3Name, IsSha256Name);
  if (!forced.name.empty()) {
    const std::string setting = forced.variable + "=" + forced.name;
    const KernelInfo* kernel = FindKernel(forced.name);
    if (kernel == nullptr) return {nullptr, setting + " is not a BLAKE3 kernel of this build (" + KnownIds() + ")"};
    if (!KernelSupported(*kernel)) return {nullptr, setting + " needs CPU features this machine lacks"};
    return {kernel, ""};
  }
  // The widest kernel the CPU runs; the portable one always qualifies.
  const KernelInfo* best = &kKernels[0];
  for (const KernelInfo& k : kKernels) {
    if (KernelSupported(k) && k.lanes > best->lanes) best = &k;
  }
  return {best, ""};
}

}  // namespace

const KernelInfo* BuiltKernels(size_t* count) {
  *count = kKernelCount;
  return kKernels;
}

bool KernelSupported(const KernelInfo& kernel) { return (CpuFeatures() & kernel.required) == kernel.required; }

const KernelInfo* FindKernel(const std::string& id) {
  for (const KernelInfo& k : kKernels) {
    if (id == k.id) return &k;
  }
  return nullptr;
}

const Selection& SelectedKernel() {
  static const Selection selection = Select();
  return selection;
}

}  // namespace blake3
}  // namespace merkle
