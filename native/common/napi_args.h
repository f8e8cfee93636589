// The addon's JS boundary for batch hash calls, shared by SHA-256 and BLAKE3: an argument reader
// and the plain-C++ form of one call.
//
// Why native code checks anything: the contract's checks and their user-facing messages are the
// TypeScript layer's (src/hash/validate.ts). These guards exist only so that a caller bypassing
// it (a raw require() of the .node file, a bug in a wrapper) gets a terse JS exception instead of
// a cast of the wrong type or a read or write outside its typed arrays. Nothing here checks what
// cannot touch memory (e.g. overlapping outputs); that is the contract's business.
#ifndef MERKLE_COMMON_NAPI_ARGS_H_
#define MERKLE_COMMON_NAPI_ARGS_H_

#include <napi.h>

#include <cstddef>
#include <cstdint>
#include <string>

namespace merkle {

// IsCount accepts a non-negative integer Number exactly representable as a double (≤ 2^53 − 1).
inline bool IsCount(const Napi::Value& v) {
  if (!v.IsNumber()) return false;
  const double d = v.As<Napi::Number>().DoubleValue();
  return d >= 0 && d <= 9007199254740991.0 && d == static_cast<double>(static_cast<int64_t>(d));
}

// ArgReader converts positional arguments, stopping at the first bad one: it throws one JS
// exception naming the function and the argument, and ok() turns false.
class ArgReader {
 public:
  ArgReader(const Napi::CallbackInfo& info, const char* function) : info_(info), function_(function) {}

  bool ok() const { return ok_; }

  Napi::Uint8Array Bytes(size_t i, const char* name) {
    if (ok_ && IsTypedArrayOf(i, napi_uint8_array)) return info_[i].As<Napi::Uint8Array>();
    Fail(true, std::string(name) + " must be a Uint8Array");
    return Napi::Uint8Array();
  }

  Napi::Uint32Array Words(size_t i, const char* name) {
    if (ok_ && IsTypedArrayOf(i, napi_uint32_array)) return info_[i].As<Napi::Uint32Array>();
    Fail(true, std::string(name) + " must be a Uint32Array");
    return Napi::Uint32Array();
  }

  // Size reads a non-negative integer up to 2^53.
  size_t Size(size_t i, const char* name) {
    if (ok_ && IsCount(info_[i])) return static_cast<size_t>(info_[i].As<Napi::Number>().DoubleValue());
    Fail(!info_[i].IsNumber(), std::string(name) + " must be a non-negative integer");
    return 0;
  }

  // Prefix reads a byte 0..255, or -1 for none.
  int Prefix(size_t i) {
    if (ok_ && info_[i].IsNumber()) {
      const double v = info_[i].As<Napi::Number>().DoubleValue();
      if (v >= -1 && v <= 255 && v == static_cast<double>(static_cast<int>(v))) return static_cast<int>(v);
    }
    Fail(!info_[i].IsNumber(), "prefix must be an integer from -1 to 255");
    return -1;
  }

  bool Bool(size_t i, const char* name) {
    if (ok_ && info_[i].IsBoolean()) return info_[i].As<Napi::Boolean>().Value();
    Fail(true, std::string(name) + " must be a boolean");
    return false;
  }

  // Require fails with a RangeError saying `what` unless `condition` holds.
  void Require(bool condition, const char* what) {
    if (!condition) Fail(false, what);
  }

 private:
  bool IsTypedArrayOf(size_t i, napi_typedarray_type type) const {
    return info_[i].IsTypedArray() && info_[i].As<Napi::TypedArray>().TypedArrayType() == type;
  }

  void Fail(bool type_error, const std::string& what) {
    if (!ok_) return;
    ok_ = false;
    const std::string message = std::string(function_) + ": " + what;
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

// BatchCall is one HashKernel call (hashBlocks, hashSpans, hashPairs) converted to plain C++:
// what the kernel reads and writes, sizes checked against the typed arrays.
struct BatchCall {
  const uint8_t* data = nullptr;
  size_t length = 0;
  size_t block_size = 0;       // hashBlocks
  const uint32_t* offsets = nullptr;  // hashSpans: count + 1 offsets
  size_t count = 0;            // digests written
  int prefix = -1;
  bool twice = false;          // hashPairs' `double`
  uint8_t* out = nullptr;
};

// ReadBlocks: (data, blockSize, prefix, out) with digests of `digest_size` bytes.
bool ReadBlocks(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call);
// ReadSpans: (data, offsets, prefix, out).
bool ReadSpans(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call);
// ReadPairs: (level, count, prefix, double, out).
bool ReadPairs(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call);

}  // namespace merkle

#endif  // MERKLE_COMMON_NAPI_ARGS_H_
