// Bundles the compiled CLI (dist/cli/bin.js and every module it imports, lazily loaded ones
// included) into one CommonJS file, dist/cli/merkle.cjs, which bin/merkle.cjs runs.
//
// Why: start-up is part of every command's wall time (a 1 GiB build takes ~0.2 s). Loaded as
// ~40 ES modules, the CLI spent ~45 ms before its first hash; as one CommonJS file ~25 ms:
// Node's ES module loader resolves, reads and links each file, and its facades for built-in
// modules (node:crypto, node:fs, …) load every lazy part of them, which require() does not.
//
// The library (dist/index.js) stays unbundled ES modules. Paths the code derives from
// import.meta.url stay right because the bundle sits at the same depth (dist/<dir>/) as the
// modules it replaces. piscina and hash-wasm stay external: piscina starts its worker by path.
import { build } from 'esbuild';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

await build({
  entryPoints: [path.join(root, 'dist', 'cli', 'bin.js')],
  outfile: path.join(root, 'dist', 'cli', 'merkle.cjs'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['piscina', 'hash-wasm'],
  define: { 'import.meta.url': '__merkleModuleUrl' },
  banner: { js: "'use strict';\nconst __merkleModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
});
