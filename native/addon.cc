// Local scaffolding for the native-blake3 branch: the addon's entry point. The lead merges
// this with the SHA-256 registration; BLAKE3 registers itself entirely in InitBlake3.
#include <napi.h>

#include "blake3/blake3_napi.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  InitBlake3(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(merkle_native, Init)
