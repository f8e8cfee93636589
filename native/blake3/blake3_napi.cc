// JS ⇄ C++ boundary for BLAKE3, in the shape every hash uses (common/hash_exports.h): the
// HashKernel calls are read by common/napi_args.h like SHA-256's, the chaining-value calls of
// the b3tree profile by the same ArgReader. Both only guard memory safety; the contract's
// checks and messages are src/hash/validate.ts's.
//
// All calls are synchronous: each is one batch (thousands of hashes), and the tree builders
// run them on worker threads when they want parallelism.
#include "blake3_napi.h"

#include "../common/hash_exports.h"
#include "../common/napi_args.h"
#include "blake3_batch.h"
#include "blake3_dispatch.h"

namespace merkle {
namespace blake3 {
namespace {

const KernelInfo& KernelOf(const Napi::CallbackInfo& info) { return *static_cast<const KernelInfo*>(info.Data()); }

Napi::Value Blocks(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadBlocks(info, OUT_LEN, &c)) HashBlocks(KernelOf(info), c.data, c.length, c.block_size, c.prefix, c.out);
  return info.Env().Undefined();
}

Napi::Value Spans(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadSpans(info, OUT_LEN, &c)) HashSpans(KernelOf(info), c.data, c.offsets, c.count, c.prefix, c.out);
  return info.Env().Undefined();
}

Napi::Value Pairs(const Napi::CallbackInfo& info) {
  BatchCall c;
  if (ReadPairs(info, OUT_LEN, &c)) HashPairs(KernelOf(info), c.data, c.count, c.prefix, c.twice, c.out);
  return info.Env().Undefined();
}

// hash(data, out)
Napi::Value One(const Napi::CallbackInfo& info) {
  ArgReader args(info, "hash");
  Napi::Uint8Array data = args.Bytes(0, "data");
  Napi::Uint8Array out = args.Bytes(1, "out");
  if (args.ok()) args.Require(out.ByteLength() >= OUT_LEN, "out is too small");
  if (args.ok()) Hash(KernelOf(info), data.Data(), data.ByteLength(), out.Data());
  return info.Env().Undefined();
}

// groupChainingValues(data, groupSize, firstChunk, out)
Napi::Value Groups(const Napi::CallbackInfo& info) {
  ArgReader args(info, "groupChainingValues");
  Napi::Uint8Array data = args.Bytes(0, "data");
  const size_t group_size = args.Size(1, "groupSize");
  const uint64_t first_chunk = args.Size(2, "firstChunk");
  Napi::Uint8Array out = args.Bytes(3, "out");
  if (!args.ok()) return info.Env().Undefined();
  // Whole aligned groups of chunks: the batch code's loops and buffers assume it.
  args.Require(group_size >= CHUNK_LEN && (group_size & (group_size - 1)) == 0 && data.ByteLength() > 0,
               "groupSize must be a power of two >= 1024 and data non-empty");
  if (args.ok()) args.Require(out.ByteLength() / OUT_LEN >= (data.ByteLength() + group_size - 1) / group_size, "out is too small");
  if (args.ok()) GroupChainingValues(KernelOf(info), data.Data(), data.ByteLength(), group_size, first_chunk, out.Data());
  return info.Env().Undefined();
}

// parentChainingValues(level, count, out)
Napi::Value Parents(const Napi::CallbackInfo& info) {
  ArgReader args(info, "parentChainingValues");
  Napi::Uint8Array level = args.Bytes(0, "level");
  const size_t count = args.Size(1, "count");
  Napi::Uint8Array out = args.Bytes(2, "out");
  if (args.ok()) args.Require(level.ByteLength() / (2 * OUT_LEN) >= count, "level is too small for count");
  if (args.ok()) args.Require(out.ByteLength() / OUT_LEN >= count, "out is too small");
  if (args.ok()) ParentChainingValues(KernelOf(info), level.Data(), count, out.Data());
  return info.Env().Undefined();
}

// parentRoot(left, right, out)
Napi::Value Root(const Napi::CallbackInfo& info) {
  ArgReader args(info, "parentRoot");
  Napi::Uint8Array left = args.Bytes(0, "left");
  Napi::Uint8Array right = args.Bytes(1, "right");
  Napi::Uint8Array out = args.Bytes(2, "out");
  if (args.ok()) {
    args.Require(left.ByteLength() == OUT_LEN && right.ByteLength() == OUT_LEN && out.ByteLength() >= OUT_LEN,
                 "left and right must be 32 bytes, out at least 32");
  }
  if (args.ok()) ParentRoot(left.Data(), right.Data(), out.Data());
  return info.Env().Undefined();
}

size_t Count() {
  size_t count = 0;
  BuiltKernels(&count);
  return count;
}

KernelEntry Entry(size_t i) {
  size_t count = 0;
  const KernelInfo& k = BuiltKernels(&count)[i];
  return {k.id, k.name, k.lanes, KernelSupported(k), &k};
}

const void* Selected(std::string* error) {
  const Selection& selection = SelectedKernel();
  *error = selection.error;
  return selection.kernel;
}

void Bind(Napi::Env env, const void* kernel, Napi::Object object) {
  void* data = const_cast<void*>(kernel);
  object.Set("hashBlocks", Napi::Function::New(env, Blocks, "hashBlocks", data));
  object.Set("hashSpans", Napi::Function::New(env, Spans, "hashSpans", data));
  object.Set("hashPairs", Napi::Function::New(env, Pairs, "hashPairs", data));
  object.Set("hash", Napi::Function::New(env, One, "hash", data));
  object.Set("groupChainingValues", Napi::Function::New(env, Groups, "groupChainingValues", data));
  object.Set("parentChainingValues", Napi::Function::New(env, Parents, "parentChainingValues", data));
  object.Set("parentRoot", Napi::Function::New(env, Root, "parentRoot", data));
}

const HashTable kTable = {"BLAKE3", Count, Entry, Selected, Bind};

}  // namespace
}  // namespace blake3

void InitBlake3(Napi::Env env, Napi::Object exports) { exports.Set("blake3", HashExports(env, blake3::kTable)); }

}  // namespace merkle
