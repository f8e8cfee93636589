// N-API registration of the mapped file ranges. The addon's entry point calls InitFile once.
#ifndef MERKLE_FILE_NAPI_H_
#define MERKLE_FILE_NAPI_H_

#include <napi.h>

namespace merkle {

// InitFile adds mapFileRange and unmapFileRange to `exports` (POSIX systems only).
void InitFile(Napi::Env env, Napi::Object exports);

}  // namespace merkle

#endif  // MERKLE_FILE_NAPI_H_
