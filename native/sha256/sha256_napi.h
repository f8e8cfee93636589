// The SHA-256 part of the addon's JS interface.
#ifndef MERKLE_SHA256_NAPI_H_
#define MERKLE_SHA256_NAPI_H_

#include <napi.h>

namespace merkle {

// InitSha256 sets exports.sha256 in the shape of common/hash_exports.h: the kernels built in,
// dispatch's choice, and withKernel(id) -> { hashBlocks, hashSpans, hashPairs }.
void InitSha256(Napi::Env env, Napi::Object exports);

}  // namespace merkle

#endif  // MERKLE_SHA256_NAPI_H_
