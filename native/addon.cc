// The merkle_native addon: one module, each part (a hash, input reading) registering its own functions.
#include <napi.h>

#include "blake3/blake3_napi.h"
#ifdef MERKLE_POSIX_IO
#include "file/file_napi.h"
#include "io/io_napi.h"
#endif
#include "sha256/sha256_napi.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  merkle::InitSha256(env, exports);
  merkle::InitBlake3(env, exports);
#ifdef MERKLE_POSIX_IO
  merkle::InitFile(env, exports);
  merkle::InitIo(env, exports);
#endif
  return exports;
}

}  // namespace

NODE_API_MODULE(merkle_native, Init)
