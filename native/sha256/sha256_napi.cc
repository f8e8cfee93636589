// JS ⇄ C++ boundary for SHA-256, in the shape every hash uses (common/hash_exports.h): the
// arguments are read and bounds-checked by common/napi_args.h (memory safety only; the
// contract's checks are src/hash/validate.ts's), then one batch runs on the bound kernel.
#include "sha256_napi.h"

#include "../common/hash_exports.h"
#include "../common/napi_args.h"
#include "sha256_batch.h"
#include "sha256_dispatch.h"

namespace merkle {
namespace {

const Sha256Kernel& KernelOf(const Napi::CallbackInfo& info) { return *static_cast<const Sha256Kernel*>(info.Data()); }

Napi::Value HashBlocks(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadBlocks(info, SHA256_OUT_LEN, &c)) mt_sha256_leaves(KernelOf(info), c.data, c.length, c.block_size, c.prefix, c.out);
  return info.Env().Undefined();
}

Napi::Value HashSpans(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadSpans(info, SHA256_OUT_LEN, &c)) mt_sha256_spans(KernelOf(info), c.data, c.offsets, c.count, c.prefix, c.out);
  return info.Env().Undefined();
}

Napi::Value HashPairs(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadPairs(info, SHA256_OUT_LEN, &c)) KernelOf(info).pairs(c.data, c.count, c.prefix, c.twice, c.out);
  return info.Env().Undefined();
}

size_t Count() {
  size_t count = 0;
  Sha256Kernels(&count);
  return count;
}

KernelEntry Entry(size_t i) {
  size_t count = 0;
  const Sha256Kernel* k = Sha256Kernels(&count)[i];
  return {k->isa, k->name, k->lanes, Sha256KernelSupported(*k), k};
}

const void* Selected(std::string* error) {
  const Sha256Dispatch& dispatch = DispatchedSha256();
  *error = dispatch.error;
  return dispatch.kernel;
}

void Bind(Napi::Env env, const void* kernel, Napi::Object object) {
  void* data = const_cast<void*>(kernel);
  object.Set("hashBlocks", Napi::Function::New(env, HashBlocks, "hashBlocks", data));
  object.Set("hashSpans", Napi::Function::New(env, HashSpans, "hashSpans", data));
  object.Set("hashPairs", Napi::Function::New(env, HashPairs, "hashPairs", data));
}

const HashTable kTable = {"SHA-256", Count, Entry, Selected, Bind};

}  // namespace

void InitSha256(Napi::Env env, Napi::Object exports) { exports.Set("sha256", HashExports(env, kTable)); }

}  // namespace merkle
