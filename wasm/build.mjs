// Builds the two WebAssembly modules from wasm/assembly with AssemblyScript (npm only, no
// clang): one with SIMD128, one scalar for engines without it. Run by `npm run build:wasm`.
import asc from 'assemblyscript/asc';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const kRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kEntry = path.join(kRoot, 'wasm', 'assembly', 'index.ts');
const kOutDir = path.join(kRoot, 'dist', 'wasm');

const kVariants = [
  { file: 'merkle-simd128.wasm', flags: ['--enable', 'simd'] },
  { file: 'merkle-scalar.wasm', flags: [] },
];

await mkdir(kOutDir, { recursive: true });
for (const { file, flags } of kVariants) {
  const { error, stderr } = await asc.main([
    kEntry,
    '--outFile', path.join(kOutDir, file),
    '-O3', '--noAssert',
    // The kernels never allocate: the stub runtime adds no collector.
    '--runtime', 'stub',
    ...flags,
  ]);
  if (error) {
    process.stderr.write(stderr.toString());
    throw new Error(`asc failed to build ${file}: ${error.message}`);
  }
  console.log(`built dist/wasm/${file}`);
}
