#include "napi_args.h"

namespace merkle {

bool ReadBlocks(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call) {
  ArgReader args(info, "hashBlocks");
  Napi::Uint8Array data = args.Bytes(0, "data");
  const size_t block_size = args.Size(1, "blockSize");
  const int prefix = args.Prefix(2);
  Napi::Uint8Array out = args.Bytes(3, "out");
  if (!args.ok()) return false;
  args.Require(block_size > 0 && data.ByteLength() > 0, "data and blockSize must not be empty");
  if (!args.ok()) return false;
  const size_t count = (data.ByteLength() + block_size - 1) / block_size;
  args.Require(out.ByteLength() / digest_size >= count, "out is too small");
  if (!args.ok()) return false;
  *call = {};
  call->data = data.Data();
  call->length = data.ByteLength();
  call->block_size = block_size;
  call->count = count;
  call->prefix = prefix;
  call->out = out.Data();
  return true;
}

bool ReadSpans(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call) {
  ArgReader args(info, "hashSpans");
  Napi::Uint8Array data = args.Bytes(0, "data");
  Napi::Uint32Array offsets = args.Words(1, "offsets");
  const int prefix = args.Prefix(2);
  Napi::Uint8Array out = args.Bytes(3, "out");
  if (!args.ok()) return false;
  const size_t n = offsets.ElementLength();
  args.Require(n >= 1, "offsets must hold at least one value");
  if (!args.ok()) return false;
  // Every span is read, so every offset must be inside data: a scan no cheaper check replaces.
  const uint32_t* o = offsets.Data();
  bool inside = true;
  for (size_t i = 0; i < n && inside; i++) inside = o[i] <= data.ByteLength() && (i == 0 || o[i - 1] <= o[i]);
  args.Require(inside, "offsets must be non-decreasing and within data");
  args.Require(out.ByteLength() / digest_size >= n - 1, "out is too small");
  if (!args.ok()) return false;
  *call = {};
  call->data = data.Data();
  call->length = data.ByteLength();
  call->offsets = o;
  call->count = n - 1;
  call->prefix = prefix;
  call->out = out.Data();
  return true;
}

bool ReadPairs(const Napi::CallbackInfo& info, size_t digest_size, BatchCall* call) {
  ArgReader args(info, "hashPairs");
  Napi::Uint8Array level = args.Bytes(0, "level");
  const size_t count = args.Size(1, "count");
  const int prefix = args.Prefix(2);
  const bool twice = args.Bool(3, "double");
  Napi::Uint8Array out = args.Bytes(4, "out");
  if (!args.ok()) return false;
  args.Require(level.ByteLength() / (2 * digest_size) >= count, "level is too small for count");
  args.Require(out.ByteLength() / digest_size >= count, "out is too small");
  if (!args.ok()) return false;
  *call = {};
  call->data = level.Data();
  call->length = level.ByteLength();
  call->count = count;
  call->prefix = prefix;
  call->twice = twice;
  call->out = out.Data();
  return true;
}

}  // namespace merkle
