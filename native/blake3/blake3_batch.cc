#include "blake3_batch.h"

#include <algorithm>
#include <cstring>
#include <vector>

namespace merkle {
namespace blake3 {
namespace {

// Chunks per kernel call inside one long message, and the size of the complete subtrees
// kept on the CV stack. A power of two, so every pushed subtree is an aligned node of the tree.
// 1024 (1 MiB of data, 32 KiB of CVs on the stack) rather than 256: with 16 lanes each lane
// then sweeps 64 KiB in order instead of 16 KiB, which the prefetchers follow better (measured
// from DRAM on Zen 4: 1 MiB messages and 16 or 64 KiB b3tree groups 7-9% faster), and a 1 MiB
// message is reduced as one tree: its 8-, 4- and 2-parent levels (a part-empty pass each) and
// the stack merges are paid once per MiB, not once per 256 KiB.
constexpr size_t kWindowChunks = 1024;
// Messages of at most this many chunks are hashed side by side, one message per lane: the
// parent levels of many messages then also fill every lane, where one message's top levels
// (8, 4, 2, 1 parents) would leave most lanes idle.
constexpr size_t kSideBySideMaxChunks = 256;
constexpr size_t kMaxMessagesPerBatch = 64;
// Chunk CVs held per side-by-side batch (128 KiB): bounds the batch for long messages.
constexpr size_t kSideBySideBatchChunks = 4096;
// Largest number of inputs in one hash_many call made here (parents of a side-by-side batch).
constexpr size_t kMaxCallInputs = kSideBySideBatchChunks / 2;

// Parents and whole standard hashes start every chain at counter 0.
const uint64_t kZeroCounters[kMaxCallInputs] = {};

// Message is prefix ‖ data[0, len), where prefix is a byte or NO_PREFIX, seen as chunks.
struct Message {
  const uint8_t* data;
  size_t len;
  int prefix;

  size_t Total() const { return len + (prefix >= 0 ? 1 : 0); }
  size_t Chunks() const { return (Total() + CHUNK_LEN - 1) / CHUNK_LEN; }
  // ChunkLen is the length of chunk j: CHUNK_LEN except for a short last chunk.
  size_t ChunkLen(size_t j) const { return std::min(CHUNK_LEN, Total() - j * CHUNK_LEN); }
  // ChunkData returns chunk j's bytes. With a prefix byte, chunk 0 is not contiguous in
  // `data`, so it is assembled in `scratch` (CHUNK_LEN bytes); later chunks start one byte early.
  const uint8_t* ChunkData(size_t j, uint8_t* scratch) const {
    if (prefix < 0) return data + j * CHUNK_LEN;
    if (j > 0) return data + j * CHUNK_LEN - 1;
    scratch[0] = static_cast<uint8_t>(prefix);
    std::memcpy(scratch + 1, data, std::min(len, CHUNK_LEN - 1));
    return scratch;
  }
};

void StoreCv(const uint32_t words[8], uint8_t* out) {
  for (int w = 0; w < 8; w++) StoreLe32(out + 4 * w, words[w]);
}

// HashParents writes the parent of each CV pair in[64i, 64i + 64), i < count, with `flags`.
void HashParents(const KernelInfo& k, const uint8_t* in, size_t count, uint8_t flags, uint8_t* out) {
  const uint8_t* ptrs[kMaxCallInputs];
  for (size_t done = 0; done < count; done += kMaxCallInputs) {
    const size_t n = std::min(kMaxCallInputs, count - done);
    for (size_t i = 0; i < n; i++) ptrs[i] = in + 2 * OUT_LEN * (done + i);
    k.hash_many(ptrs, n, 2 * OUT_LEN, IV, kZeroCounters, flags, 0, 0, out + OUT_LEN * done);
  }
}

// HashManyPageOrder is k.hash_many with lanes spread across memory, for inputs that lie
// back to back. Hashed in their given order, 16 consecutive 1 KiB inputs would put four lanes
// in each 4 KiB page, which hardware prefetchers follow poorly (measured: 1 KiB leaves from
// DRAM ran at 3.7 GB/s in order, 4.5 GB/s spread). So when `count` is a multiple of k.lanes,
// pass c takes input i·S + (c + i) mod S in lane i (S = count / lanes): every lane sweeps its
// own region, and the skew (c + i) keeps the lanes' addresses from sharing one L1 set, which a
// plain i·S + c would do whenever S inputs span a multiple of 4 KiB. Outputs land in the
// caller's order.
void HashManyPageOrder(const KernelInfo& k, const uint8_t* const* inputs, size_t count, size_t input_len,
                       const uint64_t* counters, uint8_t flags_start, uint8_t flags_end, uint8_t* out) {
  const size_t lanes = k.lanes;
  if (lanes == 1 || count % lanes != 0 || count == lanes || count > kWindowChunks) {
    k.hash_many(inputs, count, input_len, IV, counters, 0, flags_start, flags_end, out);
    return;
  }
  const size_t stride = count / lanes;
  const uint8_t* ptrs[kWindowChunks] = {};
  uint64_t lane_counters[kWindowChunks] = {};
  uint8_t lane_out[kWindowChunks * OUT_LEN];
  auto source = [&](size_t pass, size_t i) { return i * stride + (pass + i) % stride; };
  for (size_t pass = 0; pass < stride; pass++) {
    for (size_t i = 0; i < lanes; i++) {
      ptrs[pass * lanes + i] = inputs[source(pass, i)];
      lane_counters[pass * lanes + i] = counters[source(pass, i)];
    }
  }
  k.hash_many(ptrs, count, input_len, IV, lane_counters, 0, flags_start, flags_end, lane_out);
  for (size_t pass = 0; pass < stride; pass++) {
    for (size_t i = 0; i < lanes; i++) {
      std::memcpy(out + source(pass, i) * OUT_LEN, lane_out + (pass * lanes + i) * OUT_LEN, OUT_LEN);
    }
  }
}

// ChunkCvs writes the non-root CVs of chunks [first, first + count) of msg; chunk first + j
// has counter `counter + j`. Requires 1 <= count <= kWindowChunks.
void ChunkCvs(const KernelInfo& k, const Message& msg, size_t first, size_t count, uint64_t counter,
              uint8_t* out) {
  uint8_t scratch[CHUNK_LEN];
  const uint8_t* ptrs[kWindowChunks];
  uint64_t counters[kWindowChunks];
  for (size_t j = 0; j < count; j++) {
    ptrs[j] = msg.ChunkData(first + j, scratch);
    counters[j] = counter + j;
  }
  const size_t last_len = msg.ChunkLen(first + count - 1);
  const size_t full = last_len == CHUNK_LEN ? count : count - 1;
  if (full > 0) HashManyPageOrder(k, ptrs, full, CHUNK_LEN, counters, CHUNK_START, CHUNK_END, out);
  if (full < count) {
    k.hash_many(ptrs + full, 1, last_len, IV, counters + full, 0, CHUNK_START, CHUNK_END,
                out + OUT_LEN * full);
  }
}

// ReduceTree writes the CV of the left-balanced tree over `count` CVs (2 <= count <=
// kWindowChunks): level by level, a lone last node carried up, ROOT on the final merge if
// `root`. Clobbers `cvs`.
void ReduceTree(const KernelInfo& k, uint8_t* cvs, size_t count, bool root, uint8_t* out) {
  uint8_t next[kWindowChunks / 2 * OUT_LEN];
  while (count > 2) {
    const size_t pairs = count / 2;
    HashParents(k, cvs, pairs, PARENT, next);
    std::memcpy(cvs, next, pairs * OUT_LEN);
    if (count % 2 == 1) std::memcpy(cvs + pairs * OUT_LEN, cvs + (count - 1) * OUT_LEN, OUT_LEN);
    count = pairs + count % 2;
  }
  HashParents(k, cvs, 1, root ? PARENT | ROOT : PARENT, out);
}

// SubtreeCv writes the CV of msg's chunks as one subtree whose first chunk has counter
// `counter`, or with `root` the standard BLAKE3 hash of msg (then counter must be 0).
//
// Long messages go window by window: each complete window is reduced to one CV and pushed on
// a stack that merges equal-sized neighbours (after w windows, one entry per set bit of w),
// so memory stays constant. The last window (complete or not) is the right edge of the tree:
// it is reduced on its own and then folded into the stack from the right, which reproduces
// BLAKE3's split at the largest power of two below the chunk count.
void SubtreeCv(const KernelInfo& k, const Message& msg, uint64_t counter, bool root, uint8_t* out) {
  const size_t total = msg.Total();
  if (total == 0) {
    // The empty message is one empty chunk: a single zero block with block_len 0.
    const uint8_t zero_block[BLOCK_LEN] = {};
    uint32_t state[16];
    Compress(IV, zero_block, counter, 0, CHUNK_START | CHUNK_END | (root ? ROOT : 0), state);
    StoreCv(state, out);
    return;
  }
  const size_t chunks = msg.Chunks();
  if (chunks == 1) {
    uint8_t scratch[CHUNK_LEN];
    const uint8_t* chunk = msg.ChunkData(0, scratch);
    k.hash_many(&chunk, 1, total, IV, &counter, 0, CHUNK_START, root ? CHUNK_END | ROOT : CHUNK_END, out);
    return;
  }
  uint8_t cvs[kWindowChunks * OUT_LEN];
  uint8_t stack[64 * OUT_LEN];  // one entry per bit of the window count
  size_t depth = 0;
  const size_t windows = (chunks + kWindowChunks - 1) / kWindowChunks;
  for (size_t w = 0; w + 1 < windows; w++) {
    ChunkCvs(k, msg, w * kWindowChunks, kWindowChunks, counter + w * kWindowChunks, cvs);
    ReduceTree(k, cvs, kWindowChunks, false, stack + OUT_LEN * depth++);
    for (size_t pushed = w + 1; pushed % 2 == 0; pushed /= 2) {
      uint8_t merged[OUT_LEN];
      depth--;
      HashParents(k, stack + OUT_LEN * (depth - 1), 1, PARENT, merged);
      std::memcpy(stack + OUT_LEN * (depth - 1), merged, OUT_LEN);
    }
  }
  const size_t first = (windows - 1) * kWindowChunks;
  const size_t rest = chunks - first;
  uint8_t right[OUT_LEN];
  ChunkCvs(k, msg, first, rest, counter + first, cvs);
  if (rest == 1) {
    std::memcpy(right, cvs, OUT_LEN);  // windows > 1 here, so this chunk is not the root
  } else {
    ReduceTree(k, cvs, rest, root && depth == 0, right);
  }
  while (depth > 0) {
    depth--;
    uint8_t pair[2 * OUT_LEN];
    std::memcpy(pair, stack + OUT_LEN * depth, OUT_LEN);
    std::memcpy(pair + OUT_LEN, right, OUT_LEN);
    HashParents(k, pair, 1, root && depth == 0 ? PARENT | ROOT : PARENT, right);
  }
  std::memcpy(out, right, OUT_LEN);
}

// HashSideBySide writes the standard hash of prefix ‖ data[i·len, (i+1)·len) for i < count,
// one message per lane: chunk j of every message in one kernel call, then the messages' parent
// levels in step. Requires 1 <= len + (prefix byte) and at most kSideBySideMaxChunks chunks.
void HashSideBySide(const KernelInfo& k, const uint8_t* data, size_t count, size_t len, int prefix,
                    uint8_t* out) {
  const Message shape{data, len, prefix};
  const size_t chunks = shape.Chunks();
  const size_t batch = std::max<size_t>(1, std::min(kMaxMessagesPerBatch, kSideBySideBatchChunks / chunks));
  // Reused per thread: fresh buffers this size would be mmap'ed and page-faulted on every call.
  thread_local std::vector<uint8_t> scratch, cvs, level;
  if (scratch.size() < batch * CHUNK_LEN) scratch.resize(batch * CHUNK_LEN);
  if (cvs.size() < batch * chunks * OUT_LEN) {
    cvs.resize(batch * chunks * OUT_LEN);
    level.resize(batch * chunks * OUT_LEN);
  }
  // When every chunk is whole, lane m starts at chunk m mod chunks: messages a multiple of
  // 4 KiB apart would otherwise read addresses that all share one L1 set at every step.
  const bool skew = shape.Total() % CHUNK_LEN == 0;
  const uint8_t* ptrs[kMaxCallInputs];
  uint64_t counters[kMaxMessagesPerBatch];
  for (size_t done = 0; done < count; done += batch) {
    const size_t n = std::min(batch, count - done);
    auto message = [&](size_t m) { return Message{data + (done + m) * len, len, prefix}; };
    if (chunks == 1) {
      for (size_t m = 0; m < n; m++) ptrs[m] = message(m).ChunkData(0, scratch.data() + m * CHUNK_LEN);
      HashManyPageOrder(k, ptrs, n, shape.Total(), kZeroCounters, CHUNK_START, CHUNK_END | ROOT,
                        out + OUT_LEN * done);
      continue;
    }
    for (size_t j = 0; j < chunks; j++) {
      for (size_t m = 0; m < n; m++) {
        const size_t chunk = skew ? (j + m) % chunks : j;
        ptrs[m] = message(m).ChunkData(chunk, scratch.data() + m * CHUNK_LEN);
        counters[m] = chunk;
      }
      HashManyPageOrder(k, ptrs, n, shape.ChunkLen(j), counters, CHUNK_START, CHUNK_END, level.data());
      for (size_t m = 0; m < n; m++) {
        const size_t chunk = skew ? (j + m) % chunks : j;
        std::memcpy(&cvs[(m * chunks + chunk) * OUT_LEN], &level[m * OUT_LEN], OUT_LEN);
      }
    }
    // Every message has the same tree shape, so each level is one call across all of them.
    for (size_t width = chunks; width > 1; width = (width + 1) / 2) {
      const size_t pairs = width / 2;
      for (size_t m = 0; m < n; m++) {
        for (size_t i = 0; i < pairs; i++) ptrs[m * pairs + i] = &cvs[(m * chunks + 2 * i) * OUT_LEN];
      }
      if (width == 2) {
        k.hash_many(ptrs, n, 2 * OUT_LEN, IV, kZeroCounters, PARENT | ROOT, 0, 0, out + OUT_LEN * done);
        break;
      }
      k.hash_many(ptrs, n * pairs, 2 * OUT_LEN, IV, kZeroCounters, PARENT, 0, 0, level.data());
      for (size_t m = 0; m < n; m++) {
        uint8_t* row = &cvs[m * chunks * OUT_LEN];
        std::memcpy(row, &level[m * pairs * OUT_LEN], pairs * OUT_LEN);
        if (width % 2 == 1) std::memcpy(row + pairs * OUT_LEN, row + (width - 1) * OUT_LEN, OUT_LEN);
      }
    }
  }
}

// HashEqualMessages hashes `count` consecutive messages of `len` bytes each. Messages up to
// kSideBySideMaxChunks chunks go side by side, except that when they have at least as many
// chunks as the kernel has lanes, the last count % lanes messages go lanes-across-chunks
// (a side-by-side pass for them would run with idle lanes). Longer messages go one by one,
// lanes across their chunks.
void HashEqualMessages(const KernelInfo& k, const uint8_t* data, size_t count, size_t len, int prefix,
                       uint8_t* out) {
  const size_t chunks = Message{data, len, prefix}.Chunks();
  size_t side_by_side = 0;
  if (len > 0 && chunks <= kSideBySideMaxChunks) {
    side_by_side = chunks >= k.lanes ? count - count % k.lanes : count;
    if (side_by_side > 0) HashSideBySide(k, data, side_by_side, len, prefix, out);
  }
  for (size_t i = side_by_side; i < count; i++) {
    SubtreeCv(k, Message{data + i * len, len, prefix}, 0, true, out + OUT_LEN * i);
  }
}

}  // namespace

void HashBlocks(const KernelInfo& k, const uint8_t* data, size_t len, size_t block_size, int prefix,
                uint8_t* out) {
  const size_t full = len / block_size;
  const size_t rest = len % block_size;
  HashEqualMessages(k, data, full, block_size, prefix, out);
  if (rest > 0) SubtreeCv(k, Message{data + full * block_size, rest, prefix}, 0, true, out + OUT_LEN * full);
}

void HashSpans(const KernelInfo& k, const uint8_t* data, const uint32_t* offsets, size_t span_count,
               int prefix, uint8_t* out) {
  // Consecutive spans of equal length are consecutive equal blocks: hash each run as one batch.
  for (size_t i = 0; i < span_count;) {
    const size_t len = offsets[i + 1] - offsets[i];
    size_t run = 1;
    while (i + run < span_count && offsets[i + run + 1] - offsets[i + run] == len) run++;
    HashEqualMessages(k, data + offsets[i], run, len, prefix, out + OUT_LEN * i);
    i += run;
  }
}

void HashPairs(const KernelInfo& k, const uint8_t* level, size_t count, int prefix, bool twice,
               uint8_t* out) {
  if (count == 0) return;
  HashEqualMessages(k, level, count, 2 * OUT_LEN, prefix, out);
  if (twice) {
    const std::vector<uint8_t> first(out, out + count * OUT_LEN);
    HashEqualMessages(k, first.data(), count, OUT_LEN, NO_PREFIX, out);
  }
}

void Hash(const KernelInfo& k, const uint8_t* data, size_t len, uint8_t* out) {
  SubtreeCv(k, Message{data, len, NO_PREFIX}, 0, true, out);
}

void GroupChainingValues(const KernelInfo& k, const uint8_t* data, size_t len, size_t group_size,
                         uint64_t first_chunk, uint8_t* out) {
  const size_t group_chunks = group_size / CHUNK_LEN;
  const size_t full = len / group_size;
  const size_t rest = len % group_size;
  if (group_chunks <= kWindowChunks) {
    // Several whole groups per window: one call for all their chunks, then log2(group_chunks)
    // parent levels, each one call across the window. Aligned groups pair only within themselves.
    const size_t groups_per_window = kWindowChunks / group_chunks;
    const Message whole{data, full * group_size, NO_PREFIX};
    uint8_t a[kWindowChunks * OUT_LEN], b[kWindowChunks / 2 * OUT_LEN];
    for (size_t g = 0; g < full; g += groups_per_window) {
      const size_t n = std::min(groups_per_window, full - g);
      ChunkCvs(k, whole, g * group_chunks, n * group_chunks, first_chunk + g * group_chunks, a);
      for (size_t width = n * group_chunks; width > n; width /= 2) {
        HashParents(k, a, width / 2, PARENT, b);
        std::memcpy(a, b, width / 2 * OUT_LEN);
      }
      std::memcpy(out + OUT_LEN * g, a, n * OUT_LEN);
    }
  } else {
    for (size_t g = 0; g < full; g++) {
      SubtreeCv(k, Message{data + g * group_size, group_size, NO_PREFIX}, first_chunk + g * group_chunks,
                false, out + OUT_LEN * g);
    }
  }
  if (rest > 0) {
    SubtreeCv(k, Message{data + full * group_size, rest, NO_PREFIX}, first_chunk + full * group_chunks,
              false, out + OUT_LEN * full);
  }
}

void ParentChainingValues(const KernelInfo& k, const uint8_t* level, size_t count, uint8_t* out) {
  HashParents(k, level, count, PARENT, out);
}

void ParentRoot(const uint8_t left[OUT_LEN], const uint8_t right[OUT_LEN], uint8_t out[OUT_LEN]) {
  uint8_t block[BLOCK_LEN];
  std::memcpy(block, left, OUT_LEN);
  std::memcpy(block + OUT_LEN, right, OUT_LEN);
  uint32_t state[16];
  Compress(IV, block, 0, BLOCK_LEN, PARENT | ROOT, state);
  StoreCv(state, out);
}

}  // namespace blake3
}  // namespace merkle
