// N-API registration of the BLAKE3 engine. The addon's entry point calls InitBlake3 once.
#ifndef MERKLE_BLAKE3_NAPI_H_
#define MERKLE_BLAKE3_NAPI_H_

#include <napi.h>

namespace merkle {

// InitBlake3 sets exports.blake3 in the shape of common/hash_exports.h; withKernel(id) binds
// the HashKernel calls and the b3tree chaining-value calls of one kernel.
void InitBlake3(Napi::Env env, Napi::Object exports);

}  // namespace merkle

#endif  // MERKLE_BLAKE3_NAPI_H_
