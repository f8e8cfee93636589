// Which BLAKE3 kernel runs: decided once per process from the CPU's features, or forced
// with MERKLE_BLAKE3_KERNEL=portable|sse41|avx2|avx512 (native/common/kernel_override.h).
// Everything else asks here.
#ifndef MERKLE_BLAKE3_DISPATCH_H_
#define MERKLE_BLAKE3_DISPATCH_H_

#include <cstddef>
#include <cstdint>
#include <string>

#include "blake3_kernels.h"

namespace merkle {
namespace blake3 {

struct KernelInfo {
  const char* id;       // the MERKLE_BLAKE3_KERNEL value: "portable", "sse41", "avx2", "avx512"
  const char* name;     // what reports show: "portable", "sse41-x4", "avx2-x8", "avx512-x16"
  size_t lanes;         // inputs hashed side by side
  uint32_t required;    // CpuFeature bits the kernel needs
  HashManyFn hash_many;
};

// Kernels built into this binary, narrowest first. Sets *count.
const KernelInfo* BuiltKernels(size_t* count);

// KernelSupported reports whether this CPU (and OS) can run `kernel`.
bool KernelSupported(const KernelInfo& kernel);

// FindKernel returns the built kernel with this id, or nullptr.
const KernelInfo* FindKernel(const std::string& id);

// The dispatch result: the kernel to use, or why none can be used (an unknown or
// unsupported forced value is refused rather than silently replaced).
struct Selection {
  const KernelInfo* kernel;
  std::string error;
};

// SelectedKernel decides once (thread-safe static initialisation) and caches the answer.
const Selection& SelectedKernel();

}  // namespace blake3
}  // namespace merkle

#endif  // MERKLE_BLAKE3_DISPATCH_H_
