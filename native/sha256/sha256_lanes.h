// The lane scheduler every kernel's `many` entry point is built on.
//
// A kernel compresses LANES blocks at once (1 for portable, 2 interleaved streams for SHA-NI,
// 8 or 16 SIMD lanes for AVX2 / AVX-512). The scheduler keeps every lane busy on its own
// message, block after block; when a lane's message ends, its digest is written and the lane
// takes the next message at once, so messages of different lengths never wait for each other.
// Lanes left without work at the end compress a zero block whose result is discarded.
//
// It is a header that each kernel file includes after `#pragma GCC target(...)`, so the
// scheduler is compiled for that kernel's instruction set and the block functions inline into
// it. Its contents have internal linkage (unnamed namespace): otherwise the linker could keep
// one file's AVX2 copy of an inline function for every caller, portable ones included.
#ifndef MERKLE_SHA256_LANES_H_
#define MERKLE_SHA256_LANES_H_

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"

#define MT_ALWAYS_INLINE inline __attribute__((always_inline))

namespace merkle {
namespace sha256_lanes {
namespace {

// MessageCursor yields the 64-byte blocks of one padded message: (prefix ‖) data ‖ 0x80 ‖
// zeros ‖ 64-bit big-endian bit length (FIPS 180-4 §5.1.1).
struct MessageCursor {
  const uint8_t* data;
  uint8_t* out;
  size_t full_blocks;   // blocks made only of message bytes
  size_t total_blocks;  // full_blocks + 1 or 2 padding blocks
  size_t next;          // index of the block Next() returns
  int prefix;
  alignas(64) uint8_t shifted[SHA256_BLOCK_LEN];  // the prefix byte and the first 63 data bytes
  alignas(64) uint8_t tail[2 * SHA256_BLOCK_LEN];  // the last message bytes and the padding

  MT_ALWAYS_INLINE void Start(const uint8_t* message, size_t length, int prefix_byte,
                              uint8_t* digest_out) {
    const size_t has_prefix = prefix_byte >= 0 ? 1 : 0;
    const size_t total = length + has_prefix;
    data = message;
    out = digest_out;
    prefix = prefix_byte;
    full_blocks = total / SHA256_BLOCK_LEN;
    const size_t rest = total % SHA256_BLOCK_LEN;
    const size_t tail_blocks = rest + 9 <= SHA256_BLOCK_LEN ? 1 : 2;
    total_blocks = full_blocks + tail_blocks;
    next = 0;
    // Built now, not when reached: a message's bytes are read before any digest is written,
    // which is what lets `out` alias the input (levels hashed in place, SHA256d's second pass).
    const size_t tail_len = tail_blocks * SHA256_BLOCK_LEN;
    std::memset(tail, 0, tail_len);
    const size_t first = full_blocks * SHA256_BLOCK_LEN;  // message offset of the tail
    if (rest > 0) {
      if (has_prefix && first == 0) {
        tail[0] = static_cast<uint8_t>(prefix_byte);
        std::memcpy(tail + 1, message, rest - 1);
      } else {
        std::memcpy(tail, message + first - has_prefix, rest);
      }
    }
    tail[rest] = 0x80;
    const uint64_t bits = static_cast<uint64_t>(total) * 8;
    for (int i = 0; i < 8; i++) tail[tail_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
  }

  MT_ALWAYS_INLINE bool Done() const { return next == total_blocks; }

  // Next returns the next block and advances. Requires !Done().
  MT_ALWAYS_INLINE const uint8_t* Next() {
    const size_t b = next++;
    if (b >= full_blocks) return tail + (b - full_blocks) * SHA256_BLOCK_LEN;
    if (prefix < 0) return data + b * SHA256_BLOCK_LEN;
    // With a prefix byte, block b > 0 is still 64 contiguous message bytes, one byte earlier;
    // only the first block needs a copy.
    if (b > 0) return data + b * SHA256_BLOCK_LEN - 1;
    shifted[0] = static_cast<uint8_t>(prefix);
    std::memcpy(shifted + 1, data, SHA256_BLOCK_LEN - 1);
    return shifted;
  }
};

alignas(64) const uint8_t kZeroBlock[SHA256_BLOCK_LEN] = {};

// HashMany runs the scheduler. Lanes must provide:
//   static constexpr size_t LANES;
//   struct State;                                         — LANES chaining values
//   static void Reset(State&, size_t lane);               — lane's value := IV
//   static void Compress(State&, const uint8_t* const* blocks);   — one block per lane
//   static void Digest(const State&, size_t lane, uint8_t* out);  — 32 big-endian bytes
template <typename Lanes>
MT_ALWAYS_INLINE void HashMany(const uint8_t* const* messages, const size_t* lengths, size_t count,
                               int prefix, uint8_t* out) {
  constexpr size_t L = Lanes::LANES;
  typename Lanes::State state;
  MessageCursor cursors[L];
  bool busy[L];
  size_t taken = 0;
  size_t busy_count = 0;
  for (size_t lane = 0; lane < L; lane++) {
    busy[lane] = taken < count;
    if (busy[lane]) {
      cursors[lane].Start(messages[taken], lengths[taken], prefix, out + taken * SHA256_OUT_LEN);
      taken++;
      busy_count++;
    }
    Lanes::Reset(state, lane);
  }
  const uint8_t* blocks[L];
  while (busy_count > 0) {
    for (size_t lane = 0; lane < L; lane++) {
      blocks[lane] = busy[lane] ? cursors[lane].Next() : kZeroBlock;
    }
    Lanes::Compress(state, blocks);
    for (size_t lane = 0; lane < L; lane++) {
      if (!busy[lane] || !cursors[lane].Done()) continue;
      Lanes::Digest(state, lane, cursors[lane].out);
      Lanes::Reset(state, lane);
      if (taken < count) {
        cursors[lane].Start(messages[taken], lengths[taken], prefix, out + taken * SHA256_OUT_LEN);
        taken++;
      } else {
        busy[lane] = false;
        busy_count--;
      }
    }
  }
}

// HashPairsByMany is `pairs` for kernels without a fixed-length fast path: node messages are
// ordinary messages, and SHA256d's second pass hashes the 32-byte digests in place.
template <typename Lanes>
MT_ALWAYS_INLINE void HashPairsByMany(const uint8_t* level, size_t count, int prefix, bool twice,
                                      uint8_t* out) {
  constexpr size_t CHUNK = 64;
  const uint8_t* messages[CHUNK];
  size_t lengths[CHUNK];
  for (size_t begin = 0; begin < count; begin += CHUNK) {
    const size_t n = count - begin < CHUNK ? count - begin : CHUNK;
    uint8_t* chunk_out = out + begin * SHA256_OUT_LEN;
    for (size_t i = 0; i < n; i++) {
      messages[i] = level + (begin + i) * SHA256_PAIR_LEN;
      lengths[i] = SHA256_PAIR_LEN;
    }
    HashMany<Lanes>(messages, lengths, n, prefix, chunk_out);
    if (!twice) continue;
    for (size_t i = 0; i < n; i++) {
      messages[i] = chunk_out + i * SHA256_OUT_LEN;
      lengths[i] = SHA256_OUT_LEN;
    }
    HashMany<Lanes>(messages, lengths, n, SHA256_NO_PREFIX, chunk_out);
  }
}

}  // namespace
}  // namespace sha256_lanes
}  // namespace merkle

#endif  // MERKLE_SHA256_LANES_H_
