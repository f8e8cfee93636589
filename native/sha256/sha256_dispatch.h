// Which SHA-256 kernel runs: chosen once per process from the CPU's features, or forced with
// MERKLE_SHA256_KERNEL=portable|shani|shani-avx512|avx2|avx512 (native/common/kernel_override.h).
#ifndef MERKLE_SHA256_DISPATCH_H_
#define MERKLE_SHA256_DISPATCH_H_

#include <cstddef>
#include <string>

#include "sha256_kernels.h"

namespace merkle {

// Sha256Dispatch is the outcome of dispatch: a kernel, or why none may run.
struct Sha256Dispatch {
  const Sha256Kernel* kernel;  // nullptr when `error` says why
  std::string error;
};

// Sha256Kernels lists every kernel compiled in, fastest first; *count receives the length.
const Sha256Kernel* const* Sha256Kernels(size_t* count);

// Sha256KernelSupported tells whether this CPU (and OS) can run `kernel`.
bool Sha256KernelSupported(const Sha256Kernel& kernel);

// FindSha256Kernel looks a kernel up by its isa ("shani") or full name ("shani-x4").
const Sha256Kernel* FindSha256Kernel(const std::string& name);

// DispatchedSha256 returns the process-wide choice, made on first use (thread-safe static
// initialisation, so worker threads loading the addon at once agree without a race).
const Sha256Dispatch& DispatchedSha256();

}  // namespace merkle

#endif  // MERKLE_SHA256_DISPATCH_H_
