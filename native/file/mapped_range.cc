#include "mapped_range.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>
#include <time.h>

namespace merkle {
namespace {

// One registered mapping. A slot is free when `taken` is false; begin == end == 0 while it
// is being claimed or released, so the handler never matches a half-written range.
struct GuardSlot {
  std::atomic<bool> taken{false};
  std::atomic<uintptr_t> begin{0};
  std::atomic<uintptr_t> end{0};
  std::atomic<uint32_t> faults{0};
};

// Each hashing thread holds one mapping at a time; 256 leaves room for many pools.
constexpr int kGuardSlots = 256;
GuardSlot g_slots[kGuardSlots];

std::once_flag g_install_once;
int g_install_error = 0;
struct sigaction g_previous;
uintptr_t g_page_size = 4096;

bool IsHandler(void (*handler)(int)) { return handler != SIG_DFL && handler != SIG_IGN; }

// ForwardToPrevious gives a fault that is not ours to whoever handled SIGBUS before us.
void ForwardToPrevious(int sig, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr &&
      IsHandler(reinterpret_cast<void (*)(int)>(g_previous.sa_sigaction))) {
    g_previous.sa_sigaction(sig, info, context);
    return;
  }
  if ((g_previous.sa_flags & SA_SIGINFO) == 0 && IsHandler(g_previous.sa_handler)) {
    g_previous.sa_handler(sig);
    return;
  }
  // The default action (an ignored SIGBUS from a real fault would re-fault forever): restore
  // it, and returning re-runs the access, which now ends the process as it would have.
  struct sigaction fallback = {};
  fallback.sa_handler = SIG_DFL;
  sigemptyset(&fallback.sa_mask);
  sigaction(SIGBUS, &fallback, nullptr);
}

void OnSigbus(int sig, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const uintptr_t address = reinterpret_cast<uintptr_t>(info->si_addr);
  for (GuardSlot& slot : g_slots) {
    const uintptr_t end = slot.end.load(std::memory_order_acquire);
    if (address >= end || address < slot.begin.load(std::memory_order_relaxed)) continue;
    // A page past the file's end: put zeros there (mmap is a plain system call, safe here).
    void* page = reinterpret_cast<void*>(address & ~(g_page_size - 1));
    if (mmap(page, g_page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED) {
      slot.faults.fetch_add(1, std::memory_order_relaxed);
      errno = saved_errno;
      return;
    }
    break;
  }
  errno = saved_errno;
  ForwardToPrevious(sig, info, context);
}

void InstallGuard() {
  const long page = sysconf(_SC_PAGESIZE);
  if (page > 0) g_page_size = static_cast<uintptr_t>(page);
  struct sigaction action = {};
  action.sa_sigaction = OnSigbus;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (sigaction(SIGBUS, &action, &g_previous) != 0) g_install_error = errno;
}

// GuardIsInstalled checks that nobody replaced our handler since: without it a truncated
// file would crash the process, so mapping is refused and the caller reads instead.
bool GuardIsInstalled() {
  struct sigaction current;
  if (sigaction(SIGBUS, nullptr, &current) != 0) return false;
  return (current.sa_flags & SA_SIGINFO) != 0 && current.sa_sigaction == OnSigbus;
}

int ClaimSlot() {
  for (int i = 0; i < kGuardSlots; i++) {
    bool expected = false;
    if (g_slots[i].taken.compare_exchange_strong(expected, true, std::memory_order_acq_rel)) return i;
  }
  return -1;
}

void ReleaseSlot(int i) {
  g_slots[i].end.store(0, std::memory_order_release);
  g_slots[i].begin.store(0, std::memory_order_relaxed);
  g_slots[i].faults.store(0, std::memory_order_relaxed);
  g_slots[i].taken.store(false, std::memory_order_release);
}

}  // namespace

int MapFileRange(int fd, uint64_t offset, size_t length, MappedRange* range) {
  std::call_once(g_install_once, InstallGuard);
  if (g_install_error != 0) return g_install_error;
  if (length == 0) return EINVAL;
  if (!GuardIsInstalled()) return ENOTSUP;
  const uint64_t aligned = offset - offset % g_page_size;
  const size_t lead = static_cast<size_t>(offset - aligned);
  const size_t map_length = lead + length;
  const int slot = ClaimSlot();
  if (slot < 0) return EMFILE;
  void* base = mmap(nullptr, map_length, PROT_READ, MAP_SHARED, fd, static_cast<off_t>(aligned));
  if (base == MAP_FAILED) {
    const int error = errno;
    ReleaseSlot(slot);
    return error;
  }
  const uintptr_t begin = reinterpret_cast<uintptr_t>(base);
  const uintptr_t pages_end = (begin + map_length + g_page_size - 1) & ~(g_page_size - 1);
  g_slots[slot].begin.store(begin, std::memory_order_relaxed);
  g_slots[slot].end.store(pages_end, std::memory_order_release);
  range->base = base;
  range->map_length = map_length;
  range->data = static_cast<const uint8_t*>(base) + lead;
  range->length = length;
  range->slot = slot;
  return 0;
}

#ifndef MADV_POPULATE_READ
#define MADV_POPULATE_READ 22  // Linux 5.14; older kernels answer EINVAL
#endif

namespace {

// Bytes whose page tables one madvise call fills. Populating holds the process's mmap lock
// (shared), which another thread's mmap or munmap must wait for: a small step bounds that wait
// (2 MiB of 4 KiB folios: ~70 us here), where one MAP_POPULATE of a whole segment held it for
// milliseconds and stalled the other hashing threads.
constexpr size_t kPopulateStepBytes = 2 * 1024 * 1024;

std::atomic<bool> g_populate_unsupported{false};

uint64_t NowNs() {
  timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return static_cast<uint64_t>(t.tv_sec) * 1000000000u + static_cast<uint64_t>(t.tv_nsec);
}

// Pages whose first reads a probe times at each of its spots, after the page before them has
// faulted them in (a fault maps the 16 pages of its aligned 64 KiB, or a whole huge page).
// Few, because it is the faults that cost: ~50 us a spot here on 4 KiB folios, so a window
// that is then read wastes ~100 us of its ~9 ms.
constexpr size_t kProbePages = 4;
constexpr size_t kProbeSpots = 2;
constexpr uintptr_t kFaultAroundBytes = 64 * 1024;

}  // namespace

void PopulateMappedRange(const MappedRange& range) {
  if (g_populate_unsupported.load(std::memory_order_relaxed)) return;
  auto* at = static_cast<uint8_t*>(range.base);
  const size_t length = range.map_length;
  for (size_t done = 0; done < length; done += kPopulateStepBytes) {
    const size_t step = length - done < kPopulateStepBytes ? length - done : kPopulateStepBytes;
    if (madvise(at + done, step, MADV_POPULATE_READ) == 0) continue;
    if (errno == EINVAL || errno == ENOSYS) g_populate_unsupported.store(true, std::memory_order_relaxed);
    if (errno != EINTR) return;
  }
}

uint32_t FirstTouchNsPerPage(const MappedRange& range) {
  const uintptr_t begin = reinterpret_cast<uintptr_t>(range.base);
  const uintptr_t first = (begin + kFaultAroundBytes - 1) & ~(kFaultAroundBytes - 1);
  const uintptr_t end = begin + range.map_length;
  if (first + kFaultAroundBytes > end) return 0;
  const uintptr_t runs = (end - first) / kFaultAroundBytes;
  uint64_t total_ns = 0;
  for (size_t i = 0; i < kProbeSpots; i++) {
    // Spots spread evenly from the range's start on, each the first page of a fault-around run.
    const auto* spot = reinterpret_cast<const volatile uint8_t*>(first + runs * i / kProbeSpots * kFaultAroundBytes);
    (void)spot[0];
    const uint64_t start = NowNs();
    for (size_t page = 1; page <= kProbePages; page++) (void)spot[page * g_page_size];
    total_ns += NowNs() - start;
  }
  const uint64_t per_page = total_ns / (kProbeSpots * kProbePages);
  return per_page > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(per_page);
}

bool UnmapFileRange(MappedRange* range) {
  if (range->slot < 0) return true;
  const bool intact = g_slots[range->slot].faults.load(std::memory_order_relaxed) == 0;
  // Unregister before unmapping: the address range may be reused by the next mmap anywhere.
  ReleaseSlot(range->slot);
  munmap(range->base, range->map_length);
  *range = MappedRange{};
  return intact;
}

}  // namespace merkle
