// The JS boundary of the BLAKE3 engine: converts arguments to plain pointers and sizes and
// calls blake3_batch. Options, defaults and meaningful error messages are the TypeScript
// edge's job (src/hash/blake3-native.ts); this layer only guards types, kernel indices and
// buffer bounds, so a wrong call from JS can never read or write outside its buffers.
//
// All calls are synchronous: each is one batch (thousands of hashes), and the tree builders
// run them on worker threads when they want parallelism.
#include "blake3_napi.h"

#include <string>

#include "../common/napi_args.h"
#include "blake3_batch.h"
#include "blake3_dispatch.h"

namespace {

using merkle::blake3::KernelInfo;
using merkle::blake3::OUT_LEN;

Napi::Value Fail(Napi::Env env, const std::string& message, bool range = false) {
  if (range) {
    Napi::RangeError::New(env, message).ThrowAsJavaScriptException();
  } else {
    Napi::TypeError::New(env, message).ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

bool IsBytes(const Napi::Value& v) {
  return v.IsTypedArray() && v.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array;
}

using merkle::IsCount;

size_t CountOf(const Napi::Value& v) { return static_cast<size_t>(v.As<Napi::Number>().DoubleValue()); }

// KernelArg resolves argument 0, an index into BuiltKernels, to a kernel this CPU can run.
const KernelInfo* KernelArg(const Napi::CallbackInfo& info) {
  if (!IsCount(info[0])) return nullptr;
  size_t count = 0;
  const KernelInfo* kernels = merkle::blake3::BuiltKernels(&count);
  const size_t index = CountOf(info[0]);
  if (index >= count || !merkle::blake3::KernelSupported(kernels[index])) return nullptr;
  return &kernels[index];
}

// blake3Kernels() -> [{ id, name, lanes, supported }], in index order.
Napi::Value Kernels(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  size_t count = 0;
  const KernelInfo* kernels = merkle::blake3::BuiltKernels(&count);
  Napi::Array list = Napi::Array::New(env, count);
  for (size_t i = 0; i < count; i++) {
    Napi::Object k = Napi::Object::New(env);
    k.Set("id", kernels[i].id);
    k.Set("name", kernels[i].name);
    k.Set("lanes", static_cast<double>(kernels[i].lanes));
    k.Set("supported", merkle::blake3::KernelSupported(kernels[i]));
    list.Set(static_cast<uint32_t>(i), k);
  }
  return list;
}

// blake3Selected() -> { index } of the dispatched kernel, or { error } when MERKLE_KERNEL is refused.
Napi::Value Selected(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const merkle::blake3::Selection& selection = merkle::blake3::SelectedKernel();
  Napi::Object result = Napi::Object::New(env);
  if (selection.kernel == nullptr) {
    result.Set("error", selection.error);
    return result;
  }
  size_t count = 0;
  const KernelInfo* kernels = merkle::blake3::BuiltKernels(&count);
  result.Set("index", static_cast<double>(selection.kernel - kernels));
  return result;
}

// blake3HashBlocks(kernel, data, blockSize, prefix, out)
Napi::Value HashBlocks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3HashBlocks: kernel must be the index of a supported kernel");
  if (!IsBytes(info[1]) || !IsCount(info[2]) || !info[3].IsNumber() || !IsBytes(info[4])) {
    return Fail(env, "blake3HashBlocks(kernel, data: Uint8Array, blockSize, prefix, out: Uint8Array)");
  }
  auto data = info[1].As<Napi::Uint8Array>();
  auto out = info[4].As<Napi::Uint8Array>();
  const size_t block_size = CountOf(info[2]);
  const int prefix = info[3].As<Napi::Number>().Int32Value();
  if (data.ByteLength() == 0 || block_size == 0) return Fail(env, "blake3HashBlocks: empty data or block", true);
  const size_t count = (data.ByteLength() + block_size - 1) / block_size;
  if (out.ByteLength() < count * OUT_LEN) return Fail(env, "blake3HashBlocks: out is too small", true);
  merkle::blake3::HashBlocks(*k, data.Data(), data.ByteLength(), block_size, prefix, out.Data());
  return env.Undefined();
}

// blake3HashSpans(kernel, data, offsets: Uint32Array, prefix, out)
Napi::Value HashSpans(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3HashSpans: kernel must be the index of a supported kernel");
  const bool offsets_ok = info[2].IsTypedArray() && info[2].As<Napi::TypedArray>().TypedArrayType() == napi_uint32_array;
  if (!IsBytes(info[1]) || !offsets_ok || !info[3].IsNumber() || !IsBytes(info[4])) {
    return Fail(env, "blake3HashSpans(kernel, data: Uint8Array, offsets: Uint32Array, prefix, out: Uint8Array)");
  }
  auto data = info[1].As<Napi::Uint8Array>();
  auto offsets = info[2].As<Napi::Uint32Array>();
  auto out = info[4].As<Napi::Uint8Array>();
  const size_t spans = offsets.ElementLength() > 0 ? offsets.ElementLength() - 1 : 0;
  if (out.ByteLength() < spans * OUT_LEN) return Fail(env, "blake3HashSpans: out is too small", true);
  for (size_t i = 0; i < spans; i++) {
    if (offsets[i] > offsets[i + 1] || offsets[i + 1] > data.ByteLength()) {
      return Fail(env, "blake3HashSpans: offsets must be non-decreasing and within data", true);
    }
  }
  const int prefix = info[3].As<Napi::Number>().Int32Value();
  merkle::blake3::HashSpans(*k, data.Data(), offsets.Data(), spans, prefix, out.Data());
  return env.Undefined();
}

// blake3HashPairs(kernel, level, count, prefix, double, out)
Napi::Value HashPairs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3HashPairs: kernel must be the index of a supported kernel");
  if (!IsBytes(info[1]) || !IsCount(info[2]) || !info[3].IsNumber() || !info[4].IsBoolean() || !IsBytes(info[5])) {
    return Fail(env, "blake3HashPairs(kernel, level: Uint8Array, count, prefix, double: boolean, out: Uint8Array)");
  }
  auto level = info[1].As<Napi::Uint8Array>();
  auto out = info[5].As<Napi::Uint8Array>();
  const size_t count = CountOf(info[2]);
  if (level.ByteLength() < count * 2 * OUT_LEN || out.ByteLength() < count * OUT_LEN) {
    return Fail(env, "blake3HashPairs: level or out is too small", true);
  }
  merkle::blake3::HashPairs(*k, level.Data(), count, info[3].As<Napi::Number>().Int32Value(),
                            info[4].As<Napi::Boolean>().Value(), out.Data());
  return env.Undefined();
}

// blake3Hash(kernel, data, out)
Napi::Value Hash(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3Hash: kernel must be the index of a supported kernel");
  if (!IsBytes(info[1]) || !IsBytes(info[2])) return Fail(env, "blake3Hash(kernel, data: Uint8Array, out: Uint8Array)");
  auto data = info[1].As<Napi::Uint8Array>();
  auto out = info[2].As<Napi::Uint8Array>();
  if (out.ByteLength() < OUT_LEN) return Fail(env, "blake3Hash: out is too small", true);
  merkle::blake3::Hash(*k, data.Data(), data.ByteLength(), out.Data());
  return env.Undefined();
}

// blake3GroupChainingValues(kernel, data, groupSize, firstChunk, out)
Napi::Value GroupChainingValues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3GroupChainingValues: kernel must be the index of a supported kernel");
  if (!IsBytes(info[1]) || !IsCount(info[2]) || !IsCount(info[3]) || !IsBytes(info[4])) {
    return Fail(env, "blake3GroupChainingValues(kernel, data: Uint8Array, groupSize, firstChunk, out: Uint8Array)");
  }
  auto data = info[1].As<Napi::Uint8Array>();
  auto out = info[4].As<Napi::Uint8Array>();
  const size_t group_size = CountOf(info[2]);
  const uint64_t first_chunk = static_cast<uint64_t>(info[3].As<Napi::Number>().DoubleValue());
  if (group_size < merkle::blake3::CHUNK_LEN || (group_size & (group_size - 1)) != 0 || data.ByteLength() == 0) {
    return Fail(env, "blake3GroupChainingValues: groupSize must be a power of two >= 1024 and data non-empty", true);
  }
  const size_t count = (data.ByteLength() + group_size - 1) / group_size;
  if (out.ByteLength() < count * OUT_LEN) return Fail(env, "blake3GroupChainingValues: out is too small", true);
  merkle::blake3::GroupChainingValues(*k, data.Data(), data.ByteLength(), group_size, first_chunk, out.Data());
  return env.Undefined();
}

// blake3ParentChainingValues(kernel, level, count, out)
Napi::Value ParentChainingValues(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const KernelInfo* k = KernelArg(info);
  if (k == nullptr) return Fail(env, "blake3ParentChainingValues: kernel must be the index of a supported kernel");
  if (!IsBytes(info[1]) || !IsCount(info[2]) || !IsBytes(info[3])) {
    return Fail(env, "blake3ParentChainingValues(kernel, level: Uint8Array, count, out: Uint8Array)");
  }
  auto level = info[1].As<Napi::Uint8Array>();
  auto out = info[3].As<Napi::Uint8Array>();
  const size_t count = CountOf(info[2]);
  if (level.ByteLength() < count * 2 * OUT_LEN || out.ByteLength() < count * OUT_LEN) {
    return Fail(env, "blake3ParentChainingValues: level or out is too small", true);
  }
  merkle::blake3::ParentChainingValues(*k, level.Data(), count, out.Data());
  return env.Undefined();
}

// blake3ParentRoot(left, right, out)
Napi::Value ParentRoot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsBytes(info[0]) || !IsBytes(info[1]) || !IsBytes(info[2])) {
    return Fail(env, "blake3ParentRoot(left: Uint8Array, right: Uint8Array, out: Uint8Array)");
  }
  auto left = info[0].As<Napi::Uint8Array>();
  auto right = info[1].As<Napi::Uint8Array>();
  auto out = info[2].As<Napi::Uint8Array>();
  if (left.ByteLength() != OUT_LEN || right.ByteLength() != OUT_LEN || out.ByteLength() < OUT_LEN) {
    return Fail(env, "blake3ParentRoot: left and right must be 32 bytes, out at least 32", true);
  }
  merkle::blake3::ParentRoot(left.Data(), right.Data(), out.Data());
  return env.Undefined();
}

}  // namespace

void InitBlake3(Napi::Env env, Napi::Object exports) {
  exports.Set("blake3Kernels", Napi::Function::New(env, Kernels, "blake3Kernels"));
  exports.Set("blake3Selected", Napi::Function::New(env, Selected, "blake3Selected"));
  exports.Set("blake3HashBlocks", Napi::Function::New(env, HashBlocks, "blake3HashBlocks"));
  exports.Set("blake3HashSpans", Napi::Function::New(env, HashSpans, "blake3HashSpans"));
  exports.Set("blake3HashPairs", Napi::Function::New(env, HashPairs, "blake3HashPairs"));
  exports.Set("blake3Hash", Napi::Function::New(env, Hash, "blake3Hash"));
  exports.Set("blake3GroupChainingValues", Napi::Function::New(env, GroupChainingValues, "blake3GroupChainingValues"));
  exports.Set("blake3ParentChainingValues",
              Napi::Function::New(env, ParentChainingValues, "blake3ParentChainingValues"));
  exports.Set("blake3ParentRoot", Napi::Function::New(env, ParentRoot, "blake3ParentRoot"));
}
