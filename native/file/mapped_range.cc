#include "mapped_range.h"

#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <mutex>

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
  // No MAP_POPULATE: populating runs under the process's mmap lock, so one thread populating
  // its range stalls another's mmap or munmap; page faults take only their own mapping's lock
  // (and map 16 pages each), and cost the same in one thread.
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
