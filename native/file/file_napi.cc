// JS ⇄ C++ boundary for mapped file ranges (src/store/mapped-file.ts validated the arguments;
// types are still checked here before each cast). A mapping reaches JS as an external
// ArrayBuffer; unmapFileRange detaches it before unmapping, so no JS view outlives the pages.
#include "file_napi.h"

#include <cstring>
#include <string>
#include <unordered_map>

#include "../common/napi_args.h"
#include "mapped_range.h"

namespace merkle {
namespace {

struct Mapping {
  MappedRange range;
  bool unmapped = false;
};

// The live mappings of this thread's JS environment, by their first byte. Each worker thread
// has its own environment, and an ArrayBuffer's finalizer runs on its environment's thread.
thread_local std::unordered_map<const void*, Mapping*> t_live;

void ReleaseMapping(Napi::Env, void* data, Mapping* mapping) {
  if (!mapping->unmapped) {
    t_live.erase(data);
    UnmapFileRange(&mapping->range);
  }
  delete mapping;
}

Napi::Value ThrowErrno(Napi::Env env, const char* what, int error) {
  Napi::Error e = Napi::Error::New(env, std::string(what) + ": " + std::strerror(error));
  e.Set("errno", Napi::Number::New(env, error));
  e.ThrowAsJavaScriptException();
  return env.Undefined();
}

// mapFileRange(fd, offset, length[, firstTouchLimitNs]) → ArrayBuffer over bytes
// [offset, offset + length) of fd, its page tables filled; or null when a limit is given and
// the first use of a mapped page costs more than that many nanoseconds (FirstTouchNsPerPage):
// then reading the range costs less than mapping it.
Napi::Value MapRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const bool limited = !info[3].IsUndefined();
  if (!IsCount(info[0]) || !IsCount(info[1]) || !IsCount(info[2]) || info[2].As<Napi::Number>().DoubleValue() == 0 ||
      (limited && !IsCount(info[3]))) {
    Napi::TypeError::New(env, "mapFileRange(fd, offset, length > 0[, firstTouchLimitNs])").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int fd = info[0].As<Napi::Number>().Int32Value();
  const auto offset = static_cast<uint64_t>(info[1].As<Napi::Number>().DoubleValue());
  const auto length = static_cast<size_t>(info[2].As<Napi::Number>().DoubleValue());
  auto* mapping = new Mapping;
  const int error = MapFileRange(fd, offset, length, &mapping->range);
  if (error != 0) {
    delete mapping;
    return ThrowErrno(env, "mapFileRange", error);
  }
  if (limited && FirstTouchNsPerPage(mapping->range) > info[3].As<Napi::Number>().DoubleValue()) {
    // A page the probe read past a shrunken file's end is the read path's to report.
    UnmapFileRange(&mapping->range);
    delete mapping;
    return env.Null();
  }
  PopulateMappedRange(mapping->range);
  void* data = const_cast<uint8_t*>(mapping->range.data);
  t_live[data] = mapping;
  return Napi::ArrayBuffer::New(env, data, length, ReleaseMapping, mapping);
}

// unmapFileRange(buffer) → true when the file covered the whole range while it was mapped.
Napi::Value UnmapRange(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsArrayBuffer()) {
    Napi::TypeError::New(env, "unmapFileRange(buffer: ArrayBuffer)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::ArrayBuffer buffer = info[0].As<Napi::ArrayBuffer>();
  const auto it = t_live.find(buffer.Data());
  if (it == t_live.end()) {
    Napi::TypeError::New(env, "unmapFileRange: not a live mapping of this thread").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Mapping* mapping = it->second;
  t_live.erase(it);
  buffer.Detach();
  mapping->unmapped = true;
  return Napi::Boolean::New(env, UnmapFileRange(&mapping->range));
}

}  // namespace

void InitFile(Napi::Env env, Napi::Object exports) {
  exports.Set("mapFileRange", Napi::Function::New(env, MapRange, "mapFileRange"));
  exports.Set("unmapFileRange", Napi::Function::New(env, UnmapRange, "unmapFileRange"));
}

}  // namespace merkle
