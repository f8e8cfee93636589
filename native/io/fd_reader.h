// Reading an input file descriptor straight into a caller's buffer: the streaming builder's
// source of bytes for `merkle build -`. Plain POSIX, no N-API (io_napi.cc is the JS boundary).
#ifndef MERKLE_IO_FD_READER_H_
#define MERKLE_IO_FD_READER_H_

#include <cstddef>
#include <cstdint>

namespace merkle {

// FillResult is what mt_fd_fill did: `bytes` read into the buffer and, on failure, the errno
// of the call that failed (0 on success). `cancelled`: it stopped because *cancel became true.
struct FillResult {
  size_t bytes = 0;
  int error = 0;
  bool cancelled = false;
};

// mt_fd_fill reads from `fd` into out[0, length) until the buffer is full or the input ends
// (read(2) returned 0), whichever comes first: one call per segment, however small the reads
// the kernel hands back (a pipe gives at most its buffer size per read). A non-blocking fd is
// waited on with poll(2); EINTR is retried. `*cancel` (set to non-zero by another thread, read
// atomically; may be null) is checked between reads and at least every kCancelPollMs while
// waiting for data, so a stalled producer cannot hold the caller.
// Requires out to hold `length` bytes. Blocks: run it off the JS thread.
FillResult mt_fd_fill(int fd, uint8_t* out, size_t length, const int32_t* cancel);

// mt_fd_grow_pipe asks the kernel for a pipe buffer of up to `bytes` on `fd` if it is a pipe
// (Linux F_SETPIPE_SZ), so each read(2) can return up to that much at once. Returns the pipe's
// buffer size afterwards, or 0 when `fd` is not a pipe or the platform cannot say. A refused
// request (the user's pipe-buffer quota) keeps the old size: it is a speed-up, never required.
size_t mt_fd_grow_pipe(int fd, size_t bytes);

// kCancelPollMs bounds how long mt_fd_fill waits on an idle input before looking at `cancel`.
constexpr int kCancelPollMs = 100;

}  // namespace merkle

#endif  // MERKLE_IO_FD_READER_H_
