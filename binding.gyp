# The merkle_native addon. Built by scripts/build-native.mjs at install time; see docs/native.md.
# One binary for every x86-64 CPU: no global -march, each kernel file selects its own
# instruction set (#pragma GCC target) and dispatch picks one at run time.
{
  'variables': {
    # -Dmerkle_asan=1 builds with AddressSanitizer (npm run test:asan).
    'merkle_asan%': 0,
  },
  'targets': [
    {
      'target_name': 'merkle_native',
      'sources': [
        'native/addon.cc',
        'native/common/cpu_features.cc',
        'native/common/hash_exports.cc',
        'native/common/napi_args.cc',
        'native/common/kernel_override.cc',
        'native/blake3/blake3_batch.cc',
        'native/blake3/blake3_dispatch.cc',
        'native/blake3/blake3_napi.cc',
        'native/blake3/blake3_portable.cc',
        'native/sha256/sha256_batch.cc',
        'native/sha256/sha256_dispatch.cc',
        'native/sha256/sha256_napi.cc',
        'native/sha256/sha256_portable.cc',
      ],
      'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
      # C++ exceptions stay off (as in Node itself): errors are thrown as JS exceptions. A worker
      # thread terminated while it loads the addon cannot throw (its environment is shutting
      # down): NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS drops that throw instead of aborting
      # the whole process (seen once: a failed stream build ending a worker mid-start).
      'defines': ['NAPI_VERSION=8', 'NAPI_DISABLE_CPP_EXCEPTIONS', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
      'cflags!': ['-O2'],
      'cflags_cc!': ['-std=gnu++17', '-O2'],
      'cflags_cc': ['-std=c++17', '-O3', '-fvisibility=hidden', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'conditions': [
        # x86-64 kernels; other CPUs get the portable kernel (sha256_dispatch.cc and blake3_dispatch.cc list the same sets).
        # Mapped file ranges (mmap, SIGBUS) and the fd reader (read, poll, F_SETPIPE_SZ) are
        # POSIX; elsewhere files and standard input are read through Node.
        ['OS!="win"', {
          'sources': ['native/file/file_napi.cc', 'native/file/mapped_range.cc', 'native/io/fd_reader.cc', 'native/io/io_napi.cc'],
          'defines': ['MERKLE_POSIX_IO=1'],
        }],
        ['target_arch=="x64"', {
          'sources': [
            'native/blake3/blake3_avx2_x8.cc',
            'native/blake3/blake3_avx512_x16.cc',
            'native/blake3/blake3_sse41_x4.cc',
            'native/sha256/sha256_avx2_x8.cc',
            'native/sha256/sha256_avx512_x16.cc',
            'native/sha256/sha256_shani.cc',
            'native/sha256/sha256_shani_avx512.cc',
          ],
        }],
        ['merkle_asan==1', {
          'cflags_cc': ['-fsanitize=address', '-fno-omit-frame-pointer', '-O1', '-g'],
          'ldflags': ['-fsanitize=address'],
        }],
      ],
      'xcode_settings': {
        'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
        'GCC_OPTIMIZATION_LEVEL': '3',
      },
    },
  ],
}
