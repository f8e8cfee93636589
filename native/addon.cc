// The merkle_native addon: one module, each hash registering its own functions.
#include <napi.h>

#include "blake3/blake3_napi.h"
#ifdef MERKLE_MAPPED_FILES
#include "file/file_napi.h"
#endif
#include "sha256/sha256_napi.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  merkle::InitSha256(env, exports);
  InitBlake3(env, exports);
#ifdef MERKLE_MAPPED_FILES
  merkle::InitFile(env, exports);
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(merkle_native, Init)
