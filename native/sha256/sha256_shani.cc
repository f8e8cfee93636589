// SHA-NI kernel for every CPU with the SHA extensions (SSE encoding only).
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"

// Everything below, the scheduler included, is compiled for SHA-NI; dispatch runs it only on
// CPUs that have it.
#pragma GCC push_options
#pragma GCC target("sha,sse4.1")
#define MT_SHANI_MANY mt_sha256_many_shani_x4
#define MT_SHANI_PAIRS mt_sha256_pairs_shani_x3
#include "sha256_shani_impl.h"
#pragma GCC pop_options
