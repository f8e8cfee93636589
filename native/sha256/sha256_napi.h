// The SHA-256 part of the addon's JS interface.
#ifndef MERKLE_SHA256_NAPI_H_
#define MERKLE_SHA256_NAPI_H_

#include <napi.h>

namespace merkle {

// InitSha256 sets exports.sha256: the dispatched kernel's batch functions, its name, the kernels this CPU can run, and the test-only `_withKernel(name)`.
void InitSha256(Napi::Env env, Napi::Object exports);

}  // namespace merkle

#endif  // MERKLE_SHA256_NAPI_H_
