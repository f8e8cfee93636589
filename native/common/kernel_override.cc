#include "kernel_override.h"

#include <cstdio>
#include <cstdlib>
#include <mutex>

namespace merkle {
namespace {

constexpr const char* kDeprecated = "MERKLE_KERNEL";

// Both dispatchers may consult MERKLE_KERNEL (from any thread that loads the addon): warn once.
void WarnDeprecated() {
  static std::once_flag warned;
  std::call_once(warned, [] {
    std::fprintf(stderr,
                 "merkle: MERKLE_KERNEL is deprecated and will be removed in the next release; "
                 "use MERKLE_SHA256_KERNEL and MERKLE_BLAKE3_KERNEL\n");
  });
}

const char* Read(const char* variable) {
  const char* value = std::getenv(variable);
  return value != nullptr && value[0] != '\0' ? value : nullptr;
}

}  // namespace

KernelOverride ReadKernelOverride(const char* variable, KernelNameTest is_own, KernelNameTest is_other) {
  if (const char* value = Read(variable)) return {value, variable};
  const char* legacy = Read(kDeprecated);
  if (legacy == nullptr) return {};
  WarnDeprecated();
  const std::string name = legacy;
  if (!is_own(name) && is_other(name)) return {};
  return {name, kDeprecated};
}

}  // namespace merkle
