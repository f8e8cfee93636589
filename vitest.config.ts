import { defineConfig } from 'vitest/config';

// The tree, proof, builder and CLI suites run twice: as they are (auto picks native here), and
// with MERKLE_BACKEND=wasm, so the WebAssembly fallback runs everything and never rots. (The
// property and Bitcoin suites already run every backend by name.)
const kWholeEngineSuites = [
  'test/rfc6962.test.ts',
  'test/proofs.test.ts',
  'test/cli.test.ts',
  'test/stream.test.ts',
  'test/append.test.ts',
  'test/b3tree.test.ts',
  'test/diff.test.ts',
];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    projects: [
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'] } },
      { extends: true, test: { name: 'wasm-forced', include: kWholeEngineSuites, env: { MERKLE_BACKEND: 'wasm' } } },
    ],
  },
});
