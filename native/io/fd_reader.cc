// See fd_reader.h. Executed on libuv worker threads: no JS, no allocation.
#include "fd_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>

namespace merkle {
namespace {

// kMaxReadBytes keeps each read(2) under the kernel's per-call limit (Linux caps a read at
// 0x7ffff000 bytes) and ssize_t's range on 32-bit platforms.
constexpr size_t kMaxReadBytes = size_t{1} << 30;

bool Cancelled(const int32_t* cancel) {
  // The flag lives in a JS Int32Array that the main thread sets with Atomics.store.
  return cancel != nullptr && __atomic_load_n(cancel, __ATOMIC_RELAXED) != 0;
}

// WaitReadable blocks until `fd` has data (or its end) to read, or `cancel` is set. Returns 0,
// or the errno of a failed poll. Regular files always poll readable, so this costs them one
// quick syscall per read.
int WaitReadable(int fd, const int32_t* cancel) {
  for (;;) {
    if (Cancelled(cancel)) return 0;
    pollfd waiting{fd, POLLIN, 0};
    const int ready = poll(&waiting, 1, kCancelPollMs);
    if (ready > 0) return 0;  // readable, at its end, or in error: read(2) says which
    if (ready == 0) continue;
    if (errno != EINTR) return errno;
  }
}

}  // namespace

FillResult mt_fd_fill(int fd, uint8_t* out, size_t length, const int32_t* cancel) {
  FillResult result;
  while (result.bytes < length) {
    // Waiting in poll (not in read) keeps a blocking fd cancellable.
    result.error = WaitReadable(fd, cancel);
    if (result.error != 0) return result;
    if (Cancelled(cancel)) {
      result.cancelled = true;
      return result;
    }
    size_t want = length - result.bytes;
    if (want > kMaxReadBytes) want = kMaxReadBytes;
    const ssize_t got = read(fd, out + result.bytes, want);
    if (got > 0) {
      result.bytes += static_cast<size_t>(got);
    } else if (got == 0) {
      return result;  // the end of the input
    } else if (errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK) {
      // EAGAIN: another reader of a shared non-blocking fd took the data poll saw; wait again.
      result.error = errno;
      return result;
    }
  }
  return result;
}

size_t mt_fd_grow_pipe(int fd, size_t bytes) {
  struct stat info;
  if (fstat(fd, &info) != 0 || !S_ISFIFO(info.st_mode)) return 0;
#if defined(F_SETPIPE_SZ) && defined(F_GETPIPE_SZ)
  const int current = fcntl(fd, F_GETPIPE_SZ);
  if (current < 0) return 0;
  if (bytes > INT_MAX) bytes = INT_MAX;
  if (static_cast<size_t>(current) < bytes) {
    const int grown = fcntl(fd, F_SETPIPE_SZ, static_cast<int>(bytes));
    if (grown > 0) return static_cast<size_t>(grown);
  }
  return static_cast<size_t>(current);
#else
  return 0;
#endif
}

}  // namespace merkle
