// The kernels' WebAssembly builds, imported as bytes: the browser bundle (scripts/bundle.mjs)
// loads `.wasm` files with esbuild's binary loader, so the bytes travel inside the bundle.
declare module '*.wasm' {
  const bytes: Uint8Array;
  export default bytes;
}
