// The input-reading part of the addon's JS interface.
#ifndef MERKLE_IO_NAPI_H_
#define MERKLE_IO_NAPI_H_

#include <napi.h>

namespace merkle {

// InitIo sets exports.io: fillFromFd (a Promise of the bytes read into a buffer) and growPipe.
void InitIo(Napi::Env env, Napi::Object exports);

}  // namespace merkle

#endif  // MERKLE_IO_NAPI_H_
