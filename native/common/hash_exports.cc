#include "hash_exports.h"

namespace merkle {
namespace {

Napi::Object KernelObject(Napi::Env env, const HashTable& table, const KernelEntry& entry) {
  Napi::Object object = Napi::Object::New(env);
  object.Set("id", entry.id);
  object.Set("name", entry.name);
  table.bind(env, entry.kernel, object);
  return object;
}

// withKernel(id): the batch functions of the kernel with this id, bypassing dispatch (the
// TypeScript layer checks the id against `kernels` first; this refuses what it cannot run).
Napi::Value WithKernel(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const HashTable& table = *static_cast<const HashTable*>(info.Data());
  if (!info[0].IsString()) {
    Napi::TypeError::New(env, "withKernel: id must be a string").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const std::string id = info[0].As<Napi::String>().Utf8Value();
  for (size_t i = 0; i < table.count(); i++) {
    const KernelEntry entry = table.entry(i);
    if (id != entry.id) continue;
    if (!entry.supported) {
      Napi::Error::New(env, std::string("withKernel: this CPU cannot run the ") + table.hash + " kernel " + id)
          .ThrowAsJavaScriptException();
      return env.Undefined();
    }
    return KernelObject(env, table, entry);
  }
  Napi::Error::New(env, std::string("withKernel: no ") + table.hash + " kernel " + id).ThrowAsJavaScriptException();
  return env.Undefined();
}

}  // namespace

Napi::Object HashExports(Napi::Env env, const HashTable& table) {
  Napi::Object exports = Napi::Object::New(env);
  Napi::Array kernels = Napi::Array::New(env, table.count());
  for (size_t i = 0; i < table.count(); i++) {
    const KernelEntry entry = table.entry(i);
    Napi::Object k = Napi::Object::New(env);
    k.Set("id", entry.id);
    k.Set("name", entry.name);
    k.Set("lanes", static_cast<double>(entry.lanes));
    k.Set("supported", entry.supported);
    kernels.Set(static_cast<uint32_t>(i), k);
  }
  exports.Set("kernels", kernels);

  std::string error;
  const void* selected = table.selected(&error);
  Napi::Object choice = Napi::Object::New(env);
  for (size_t i = 0; selected != nullptr && i < table.count(); i++) {
    if (table.entry(i).kernel == selected) choice.Set("id", table.entry(i).id);
  }
  if (selected == nullptr) choice.Set("error", error);
  exports.Set("selected", choice);

  exports.Set("withKernel", Napi::Function::New(env, WithKernel, "withKernel", const_cast<HashTable*>(&table)));
  return exports;
}

}  // namespace merkle
