{
  "targets": [
    {
      "target_name": "merkle_native",
      "sources": [
        "native/addon.cc",
        "native/common/cpu_features.cc",
        "native/blake3/blake3_portable.cc",
        "native/blake3/blake3_sse41_x4.cc",
        "native/blake3/blake3_avx2_x8.cc",
        "native/blake3/blake3_avx512_x16.cc",
        "native/blake3/blake3_dispatch.cc",
        "native/blake3/blake3_batch.cc",
        "native/blake3/blake3_napi.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_DISABLE_CPP_EXCEPTIONS", "NAPI_VERSION=8"],
      "cflags_cc": ["-O3", "-std=c++17", "-Wall", "-Wextra"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
