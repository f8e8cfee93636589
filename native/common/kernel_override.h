// The environment variables that force a hash's kernel, read here and nowhere else:
// MERKLE_SHA256_KERNEL and MERKLE_BLAKE3_KERNEL, and the deprecated MERKLE_KERNEL.
#ifndef MERKLE_COMMON_KERNEL_OVERRIDE_H_
#define MERKLE_COMMON_KERNEL_OVERRIDE_H_

#include <string>

namespace merkle {

// KernelOverride is what a dispatcher is told to use: `name` from `variable`, or nothing.
struct KernelOverride {
  std::string name;      // empty: not forced, dispatch picks the fastest kernel
  std::string variable;  // where the name came from, for the dispatcher's refusal message
};

// Hash-specific kernel names, so the deprecated variable can tell whose name it holds.
using KernelNameTest = bool (*)(const std::string& name);

// ReadKernelOverride returns the value of `variable` (MERKLE_SHA256_KERNEL or
// MERKLE_BLAKE3_KERNEL) if set. Otherwise it falls back to MERKLE_KERNEL, which once forced
// both hashes although their kernels have different names (`shani` made native BLAKE3
// unavailable): it applies to a hash only if the name is one of `is_own` kernels, or of
// neither hash's (then the dispatcher refuses it by name), and is ignored if it names only
// `is_other`'s kernel. Using MERKLE_KERNEL prints one deprecation line on stderr per process.
KernelOverride ReadKernelOverride(const char* variable, KernelNameTest is_own, KernelNameTest is_other);

}  // namespace merkle

#endif  // MERKLE_COMMON_KERNEL_OVERRIDE_H_
