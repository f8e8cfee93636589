// SHA-NI kernel for CPUs that also have AVX-512 VL (Zen 4, Ice Lake and later): the same code
// as sha256_shani.cc, compiled so that the other instructions may use 32 vector registers.
#include <immintrin.h>

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "sha256_kernels.h"

// Everything below is compiled for SHA-NI + AVX-512 F/VL; dispatch runs it only on CPUs and
// OSes that support both.
#pragma GCC push_options
#pragma GCC target("sha,sse4.1,avx2,avx512f,avx512vl")
#define MT_SHANI_MANY mt_sha256_many_shani_avx512_x4
#define MT_SHANI_PAIRS mt_sha256_pairs_shani_avx512_x3
#include "sha256_shani_impl.h"
#pragma GCC pop_options
