// N-API registration of the BLAKE3 engine. The addon's entry point calls InitBlake3 once.
#ifndef MERKLE_BLAKE3_NAPI_H_
#define MERKLE_BLAKE3_NAPI_H_

#include <napi.h>

// InitBlake3 adds the blake3* functions to `exports`.
void InitBlake3(Napi::Env env, Napi::Object exports);

#endif  // MERKLE_BLAKE3_NAPI_H_
