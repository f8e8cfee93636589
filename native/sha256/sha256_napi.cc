// JS ⇄ C++ boundary for SHA-256. TypeScript (src/hash/native.ts) validated every argument;
// here each argument is still type-checked before its unchecked As<T>() cast, and every size
// is checked once more against the typed arrays, so no call can read or write past them.
// Errors are thrown as JS exceptions and the function returns (C++ exceptions are disabled).
#include "sha256_napi.h"

#include <cstdint>
#include <string>
#include <vector>

#include "sha256_batch.h"
#include "sha256_dispatch.h"

namespace merkle {
namespace {

// Sha256Call is one batch call converted to plain C++: what the kernel reads and writes.
struct Sha256Call {
  enum class Shape { kBlocks, kSpans, kPairs };
  Shape shape;
  const Sha256Kernel* kernel;
  const uint8_t* data = nullptr;
  size_t length = 0;
  size_t block_size = 0;
  const uint32_t* offsets = nullptr;
  size_t count = 0;
  int prefix = SHA256_NO_PREFIX;
  bool twice = false;
  uint8_t* out = nullptr;

  // Run hashes and returns the number of digests written.
  size_t Run() const {
    switch (shape) {
      case Shape::kBlocks:
        mt_sha256_leaves(*kernel, data, length, block_size, prefix, out);
        return (length + block_size - 1) / block_size;
      case Shape::kSpans:
        mt_sha256_spans(*kernel, data, offsets, count, prefix, out);
        return count;
      case Shape::kPairs:
        kernel->pairs(data, count, prefix, twice, out);
        return count;
    }
    return 0;
  }
};

// ArgReader checks and converts positional arguments, naming the argument in its errors.
class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* function) : info_(info), function_(function) {}

  bool ok() const { return ok_; }

  Napi::Uint8Array Bytes(size_t i, const char* name) {
    if (ok_ && IsTypedArrayOf(i, napi_uint8_array)) return info_[i].As<Napi::Uint8Array>();
    Fail(true, name, "a Uint8Array");
    return Napi::Uint8Array();
  }

  Napi::Uint32Array Words(size_t i, const char* name) {
    if (ok_ && IsTypedArrayOf(i, napi_uint32_array)) return info_[i].As<Napi::Uint32Array>();
    Fail(true, name, "a Uint32Array");
    return Napi::Uint32Array();
  }

  // Size reads a non-negative integer up to 2^53.
  size_t Size(size_t i, const char* name) {
    if (ok_ && info_[i].IsNumber()) {
      const double v = info_[i].As<Napi::Number>().DoubleValue();
      if (v >= 0 && v <= 9007199254740991.0 && v == static_cast<double>(static_cast<int64_t>(v))) {
        return static_cast<size_t>(v);
      }
    }
    Fail(!info_[i].IsNumber(), name, "a non-negative integer");
    return 0;
  }

  // Prefix reads a byte 0..255, or -1 for none.
  int Prefix(size_t i, const char* name) {
    if (ok_ && info_[i].IsNumber()) {
      const double v = info_[i].As<Napi::Number>().DoubleValue();
      if (v >= -1 && v <= 255 && v == static_cast<double>(static_cast<int>(v))) return static_cast<int>(v);
    }
    Fail(!info_[i].IsNumber(), name, "an integer from -1 to 255");
    return SHA256_NO_PREFIX;
  }

  bool Bool(size_t i, const char* name) {
    if (ok_ && info_[i].IsBoolean()) return info_[i].As<Napi::Boolean>().Value();
    Fail(true, name, "a boolean");
    return false;
  }

  // Require fails with a RangeError unless `condition` holds.
  void Require(bool condition, const std::string& message) {
    if (ok_ && !condition) {
      ok_ = false;
      Napi::RangeError::New(info_.Env(), std::string(function_) + ": " + message).ThrowAsJavaScriptException();
    }
  }

 private:
  bool IsTypedArrayOf(size_t i, napi_typedarray_type type) const {
    return info_[i].IsTypedArray() && info_[i].As<Napi::TypedArray>().TypedArrayType() == type;
  }

  void Fail(bool type_error, const char* name, const char* want) {
    if (!ok_) return;
    ok_ = false;
    const std::string message = std::string(function_) + ": " + name + " must be " + want;
    if (type_error) {
      Napi::TypeError::New(info_.Env(), message).ThrowAsJavaScriptException();
    } else {
      Napi::RangeError::New(info_.Env(), message).ThrowAsJavaScriptException();
    }
  }

  const Napi::CallbackInfo& info_;
  const char* function_;
  bool ok_ = true;
};

// The typed arrays a call reads and writes, so the Promise form can pin them for the job.
using Pins = std::vector<Napi::Value>;

const Sha256Kernel* KernelOf(const Napi::CallbackInfo& info) {
  return static_cast<const Sha256Kernel*>(info.Data());
}

// ParseBlocks: (data, blockSize, prefix, out).
bool ParseBlocks(const Napi::CallbackInfo& info, Sha256Call* call, Pins* pins) {
  ArgReader args(info, "hashBlocks");
  Napi::Uint8Array data = args.Bytes(0, "data");
  const size_t block_size = args.Size(1, "blockSize");
  const int prefix = args.Prefix(2, "prefix");
  Napi::Uint8Array out = args.Bytes(3, "out");
  args.Require(block_size > 0, "blockSize must be > 0");
  args.Require(data.ByteLength() > 0, "data must not be empty");
  if (!args.ok()) return false;
  const size_t count = (data.ByteLength() + block_size - 1) / block_size;
  args.Require(out.ByteLength() >= count * SHA256_OUT_LEN, "out is too small");
  if (!args.ok()) return false;
  *call = {Sha256Call::Shape::kBlocks, KernelOf(info)};
  call->data = data.Data();
  call->length = data.ByteLength();
  call->block_size = block_size;
  call->prefix = prefix;
  call->out = out.Data();
  *pins = {data, out};
  return true;
}

// ParseSpans: (data, offsets, prefix, out).
bool ParseSpans(const Napi::CallbackInfo& info, Sha256Call* call, Pins* pins) {
  ArgReader args(info, "hashSpans");
  Napi::Uint8Array data = args.Bytes(0, "data");
  Napi::Uint32Array offsets = args.Words(1, "offsets");
  const int prefix = args.Prefix(2, "prefix");
  Napi::Uint8Array out = args.Bytes(3, "out");
  if (!args.ok()) return false;
  const size_t n = offsets.ElementLength();
  args.Require(n >= 1, "offsets must hold at least one value");
  if (!args.ok()) return false;
  const uint32_t* o = offsets.Data();
  for (size_t i = 0; i < n; i++) {
    args.Require(o[i] <= data.ByteLength() && (i == 0 || o[i - 1] <= o[i]),
                 "offsets must be non-decreasing and within data");
    if (!args.ok()) return false;
  }
  args.Require(out.ByteLength() >= (n - 1) * SHA256_OUT_LEN, "out is too small");
  if (!args.ok()) return false;
  *call = {Sha256Call::Shape::kSpans, KernelOf(info)};
  call->data = data.Data();
  call->length = data.ByteLength();
  call->offsets = o;
  call->count = n - 1;
  call->prefix = prefix;
  call->out = out.Data();
  *pins = {data, offsets, out};
  return true;
}

// ParsePairs: (level, count, prefix, double, out).
bool ParsePairs(const Napi::CallbackInfo& info, Sha256Call* call, Pins* pins) {
  ArgReader args(info, "hashPairs");
  Napi::Uint8Array level = args.Bytes(0, "level");
  const size_t count = args.Size(1, "count");
  const int prefix = args.Prefix(2, "prefix");
  const bool twice = args.Bool(3, "double");
  Napi::Uint8Array out = args.Bytes(4, "out");
  if (!args.ok()) return false;
  args.Require(level.ByteLength() / SHA256_PAIR_LEN >= count, "level is too small for count");
  args.Require(out.ByteLength() / SHA256_OUT_LEN >= count, "out is too small");
  if (!args.ok()) return false;
  // The kernels support out == level exactly (in place), not other overlaps.
  const uint8_t* lb = level.Data();
  const uint8_t* ob = out.Data();
  args.Require(ob == lb || ob + count * SHA256_OUT_LEN <= lb || lb + count * SHA256_PAIR_LEN <= ob,
               "out must be level itself or not overlap it");
  if (!args.ok()) return false;
  *call = {Sha256Call::Shape::kPairs, KernelOf(info)};
  call->data = level.Data();
  call->count = count;
  call->prefix = prefix;
  call->twice = twice;
  call->out = out.Data();
  *pins = {level, out};
  return true;
}

using Parser = bool (*)(const Napi::CallbackInfo&, Sha256Call*, Pins*);

template <Parser parse>
Napi::Value RunSync(const Napi::CallbackInfo& info) {
  Sha256Call call{};
  Pins pins;
  if (!parse(info, &call, &pins)) return info.Env().Undefined();
  return Napi::Number::New(info.Env(), static_cast<double>(call.Run()));
}

// KernelObject returns the batch functions bound to `kernel`.
Napi::Object KernelObject(Napi::Env env, const Sha256Kernel* kernel) {
  Napi::Object object = Napi::Object::New(env);
  void* data = const_cast<Sha256Kernel*>(kernel);
  object.Set("kernel", Napi::String::New(env, kernel->name));
  object.Set("isa", Napi::String::New(env, kernel->isa));
  object.Set("hashBlocks", Napi::Function::New(env, RunSync<ParseBlocks>, "hashBlocks", data));
  object.Set("hashSpans", Napi::Function::New(env, RunSync<ParseSpans>, "hashSpans", data));
  object.Set("hashPairs", Napi::Function::New(env, RunSync<ParsePairs>, "hashPairs", data));
  return object;
}

// _withKernel(name): the batch functions of a named kernel, bypassing dispatch (tests only).
Napi::Value WithKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "_withKernel: name must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string name = info[0].As<Napi::String>().Utf8Value();
  const Sha256Kernel* kernel = FindSha256Kernel(name);
  if (kernel == nullptr) {
    Napi::Error::New(env, "_withKernel: no SHA-256 kernel named " + name).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  if (!Sha256KernelSupported(*kernel)) {
    Napi::Error::New(env, std::string("_withKernel: this CPU lacks the ") + kernel->isa + " instructions")
        .ThrowAsJavaScriptException();
    return env.Undefined();
  }
  return KernelObject(env, kernel);
}

}  // namespace

void InitSha256(Napi::Env env, Napi::Object exports) {
  const Sha256Dispatch& dispatch = DispatchedSha256();
  Napi::Object sha256 = dispatch.kernel != nullptr ? KernelObject(env, dispatch.kernel) : Napi::Object::New(env);
  if (dispatch.kernel == nullptr) sha256.Set("unavailable", Napi::String::New(env, dispatch.error));

  size_t count = 0;
  const Sha256Kernel* const* kernels = Sha256Kernels(&count);
  Napi::Array runnable = Napi::Array::New(env);
  uint32_t n = 0;
  for (size_t i = 0; i < count; i++) {
    if (Sha256KernelSupported(*kernels[i])) runnable.Set(n++, Napi::String::New(env, kernels[i]->isa));
  }
  sha256.Set("kernels", runnable);
  sha256.Set("_withKernel", Napi::Function::New(env, WithKernel, "_withKernel"));
  exports.Set("sha256", sha256);
}

}  // namespace merkle
