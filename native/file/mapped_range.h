// Read-only mappings of file byte ranges that a shrinking file cannot turn into a crash.
//
// Hashing a page-cached file through a mapping reads each byte once, where read(2) first
// copies it into a buffer; on two cores that copy is what keeps a file build from scaling
// (docs/native.md has the figures). The catch is truncation: a page of a mapping that lies
// past the file's new end raises SIGBUS on access, which would kill the process. So every
// range is registered while it is mapped, and a process-wide SIGBUS handler replaces a
// faulting page of a registered range with a page of zeros and counts the fault. The code that
// was reading goes on (reading zeros), and the owner learns at unmap time that the range was
// not intact, so the build fails with "data changed" instead of the process dying. A fault
// outside every registered range goes to the handler that was installed before ours (or the
// default action), as if ours were not there.
//
// No N-API here: file_napi.cc is the JS boundary.
#ifndef MERKLE_FILE_MAPPED_RANGE_H_
#define MERKLE_FILE_MAPPED_RANGE_H_

#include <cstddef>
#include <cstdint>

namespace merkle {

struct MappedRange {
  void* base = nullptr;         // page-aligned start of the mapping
  size_t map_length = 0;        // bytes mapped from base (whole pages)
  const uint8_t* data = nullptr;  // the first requested byte (base + offset's distance into its page)
  size_t length = 0;            // requested bytes
  int slot = -1;                // the guard registry slot, -1 when not registered
};

// MapFileRange maps bytes [offset, offset + length) of the open file `fd` read-only and
// registers the range with the SIGBUS guard.
// length must be > 0. Returns 0, or an errno value (EMFILE when all guard slots are in use).
int MapFileRange(int fd, uint64_t offset, size_t length, MappedRange* range);

// FirstTouchNsPerPage times the first reads of a few pages at two spots of a fresh mapping (its
// start and middle), after a fault has mapped each spot's neighbourhood, and returns the mean
// nanoseconds per page (0 for a range too short to probe). It is what mapping costs beyond
// the faults themselves: near zero where the page tables take effect at once or a huge page
// maps the spot, but ~1.3 us on this VM per 4 KiB page (its hypervisor intervenes at each
// page's first use), five times what read(2) takes to copy one, so reading wins there.
uint32_t FirstTouchNsPerPage(const MappedRange& range);

// PopulateMappedRange fills the page tables of the whole range ahead of its reads (pages the
// cache lacks are read in), in small steps. Faulting them in one trap per 16 pages cost 13
// times as much here on a file written in small writes (446 against 35 us per MiB; large
// folios 15 against 6). A hint only: without MADV_POPULATE_READ (Linux < 5.14), or past a
// file's end, the rest is left to page faults and the guard.
void PopulateMappedRange(const MappedRange& range);

// UnmapFileRange unregisters and unmaps `range` and returns true when no page of it faulted
// (the file still covered every byte while it was mapped). Safe to call once per mapping.
bool UnmapFileRange(MappedRange* range);

}  // namespace merkle

#endif  // MERKLE_FILE_MAPPED_RANGE_H_
