// One export shape for every hash with native kernels (SHA-256, BLAKE3):
//   exports.<hash> = {
//     kernels: [{ id, name, lanes, supported }],  // every kernel built in, dispatch order
//     selected: { id } | { error },               // dispatch's choice, or why it refused
//     withKernel(id) -> { id, name, <batch functions bound to that kernel> },
//   }
// The batch functions of one kernel get the kernel through their N-API data pointer, so a
// call names no kernel and cannot name a wrong one.
#ifndef MERKLE_COMMON_HASH_EXPORTS_H_
#define MERKLE_COMMON_HASH_EXPORTS_H_

#include <napi.h>

#include <cstddef>
#include <string>

namespace merkle {

// KernelEntry describes one built-in kernel of a hash.
struct KernelEntry {
  const char* id;    // the MERKLE_<HASH>_KERNEL value
  const char* name;  // what reports show (HashKernel.kernel)
  size_t lanes;
  bool supported;    // this CPU and OS can run it
  const void* kernel;
};

// HashTable is what a hash tells HashExports: its kernels, dispatch's choice, and how to bind
// a kernel's functions.
struct HashTable {
  const char* hash;  // for messages: "SHA-256"
  size_t (*count)();
  KernelEntry (*entry)(size_t i);
  // The dispatched kernel, or nullptr with *error saying why.
  const void* (*selected)(std::string* error);
  // Adds the batch functions bound to `kernel` (passed as their data pointer) to `object`.
  void (*bind)(Napi::Env env, const void* kernel, Napi::Object object);
};

// HashExports builds exports.<hash> from `table` (which must outlive the addon: a static).
Napi::Object HashExports(Napi::Env env, const HashTable& table);

}  // namespace merkle

#endif  // MERKLE_COMMON_HASH_EXPORTS_H_
