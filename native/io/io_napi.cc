// JS ⇄ C++ boundary for reading input fds. TypeScript (src/io/fd-source.ts) validated every
// argument; here each is still type-checked before its unchecked As<T>() cast. Errors are
// thrown (or, for the Promise form, rejected) as JS exceptions: C++ exceptions are disabled.
#include "io_napi.h"

#include <cstring>
#include <string>

#include "fd_reader.h"

namespace merkle {
namespace {

// FdFillJob runs one mt_fd_fill on a libuv worker thread and settles a Promise with the count
// of bytes read. The target buffer and the cancel flag are pinned for the whole job.
class FdFillJob : public Napi::AsyncWorker {
 public:
  FdFillJob(Napi::Env env, int fd, Napi::Uint8Array into, Napi::Int32Array cancel)
      : Napi::AsyncWorker(env, "merkle:fillFromFd"),
        fd_(fd),
        out_(into.Data()),
        length_(into.ByteLength()),
        cancel_(cancel.Data()),
        into_(Napi::Persistent(static_cast<Napi::Object>(into))),
        cancel_ref_(Napi::Persistent(static_cast<Napi::Object>(cancel))),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  // Executed on a libuv worker thread: touches only the plain fields, never a JS value.
  void Execute() override { result_ = mt_fd_fill(fd_, out_, length_, cancel_); }

  void OnOK() override {
    Napi::Env env = Env();
    if (result_.error != 0) {
      // The bytes read before the failure are lost with it: the caller stops the build.
      Napi::Error error = Napi::Error::New(env, std::string("read failed: ") + std::strerror(result_.error));
      error.Set("errno", Napi::Number::New(env, result_.error));
      deferred_.Reject(error.Value());
      return;
    }
    Napi::Object done = Napi::Object::New(env);
    done.Set("bytes", Napi::Number::New(env, static_cast<double>(result_.bytes)));
    done.Set("cancelled", Napi::Boolean::New(env, result_.cancelled));
    deferred_.Resolve(done);
  }

  void OnError(const Napi::Error& error) override { deferred_.Reject(error.Value()); }

 private:
  const int fd_;
  uint8_t* const out_;
  const size_t length_;
  const int32_t* const cancel_;
  Napi::ObjectReference into_;
  Napi::ObjectReference cancel_ref_;
  Napi::Promise::Deferred deferred_;
  FillResult result_;
};

bool IsFd(const Napi::Value& value) {
  if (!value.IsNumber()) return false;
  const double v = value.As<Napi::Number>().DoubleValue();
  return v >= 0 && v <= 2147483647.0 && v == static_cast<double>(static_cast<int>(v));
}

bool IsTypedArrayOf(const Napi::Value& value, napi_typedarray_type type) {
  return value.IsTypedArray() && value.As<Napi::TypedArray>().TypedArrayType() == type;
}

// fillFromFd(fd, into, cancel): a Promise of { bytes, cancelled } once `into` is full, the
// input has ended, or cancel[0] became non-zero; rejects with { errno } if a read fails.
// Never throws: bad arguments reject the Promise.
Napi::Value FillFromFd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const char* bad = nullptr;
  if (!IsFd(info[0])) bad = "fillFromFd: fd must be an integer from 0 to 2^31-1";
  else if (!IsTypedArrayOf(info[1], napi_uint8_array)) bad = "fillFromFd: into must be a Uint8Array";
  else if (!IsTypedArrayOf(info[2], napi_int32_array) || info[2].As<Napi::Int32Array>().ElementLength() < 1)
    bad = "fillFromFd: cancel must be an Int32Array of at least one element";
  if (bad != nullptr) {
    Napi::Promise::Deferred rejected = Napi::Promise::Deferred::New(env);
    rejected.Reject(Napi::TypeError::New(env, bad).Value());
    return rejected.Promise();
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  FdFillJob* job = new FdFillJob(env, fd, info[1].As<Napi::Uint8Array>(), info[2].As<Napi::Int32Array>());
  Napi::Promise promise = job->Promise();
  job->Queue();  // deletes itself after OnOK/OnError
  return promise;
}

// growPipe(fd, bytes): the pipe buffer size of `fd` after asking for `bytes`, or 0 if not a pipe.
Napi::Value GrowPipe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!IsFd(info[0]) || !info[1].IsNumber()) {
    Napi::TypeError::New(env, "growPipe: fd and bytes must be non-negative integers").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double bytes = info[1].As<Napi::Number>().DoubleValue();
  if (!(bytes >= 0 && bytes <= 2147483647.0)) {
    Napi::RangeError::New(env, "growPipe: bytes must be from 0 to 2^31-1").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const size_t size = mt_fd_grow_pipe(info[0].As<Napi::Number>().Int32Value(), static_cast<size_t>(bytes));
  return Napi::Number::New(env, static_cast<double>(size));
}

}  // namespace

void InitIo(Napi::Env env, Napi::Object exports) {
  Napi::Object io = Napi::Object::New(env);
  io.Set("fillFromFd", Napi::Function::New(env, FillFromFd, "fillFromFd"));
  io.Set("growPipe", Napi::Function::New(env, GrowPipe, "growPipe"));
  exports.Set("io", io);
}

}  // namespace merkle
