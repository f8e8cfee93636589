// Bundles, at `npm run build`:
// - the compiled CLI (dist/cli/bin.js and every module it imports, lazily loaded ones included)
//   into one CommonJS file, dist/cli/merkle.cjs, which bin/merkle.cjs runs; then writes V8's
//   code cache for it, dist/cli/merkle.cjs.cache;
// - proof verification for browsers (dist/verify/index.js and its imports) into one ES module,
//   dist/verify/merkle-verify.js, the package's `merkle-engine/verify`: no Node built-ins, the
//   WASM kernels' bytes inside it;
// - the directory builder's file-batch worker (dist/dir/files-worker.js) into
//   dist/dir/files-worker.cjs, as the segment worker below;
// - the segment worker (dist/builders/segment-worker.js and its imports) into
//   dist/builders/segment-worker.cjs, the
//   file every worker thread loads: piscina require()s a CommonJS file, so a worker starts
//   without Node's ES module loader and without resolving ~15 files (a worker's start to its
//   first reply: 32.6 -> 26.0 ms of CPU, medians of 11 in turn).
//
// Why: start-up is part of every command's wall time (a 1 GiB build takes ~0.2 s). Loaded as
// ~40 ES modules, the CLI spent ~45 ms before its first hash; as one CommonJS file ~25 ms:
// Node's ES module loader resolves, reads and links each file, and its facades for built-in
// modules (node:crypto, node:fs, …) load every lazy part of them, which require() does not.
// The code cache saves compiling the bundle and the functions a build runs (~6 ms more).
//
// The library (dist/index.js) stays unbundled ES modules. piscina and hash-wasm stay external:
// piscina starts its own worker entry by path, and hash-wasm is large and rarely needed; lmdb and
// better-sqlite3 load native addons of their own; bullmq (with ioredis) is
// large and loads only for builds across machines (src/distributed/bullmq.ts).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

// Shared by both bundles. Each sits at the depth of the modules it replaces (dist/<dir>/), so
// paths derived from import.meta.url (the addon, the WASM kernels, the worker file) hold.
const kCommonOptions = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['piscina', 'hash-wasm', 'lmdb', 'better-sqlite3', 'bullmq'],
  define: { 'import.meta.url': '__merkleModuleUrl' },
  banner: { js: "'use strict';\nconst __merkleModuleUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

// The browser build. Platform `browser` makes any import of a Node built-in a build error; the
// scan below also refuses Node's globals (Buffer, process), which a bundler cannot see: a
// verifier that used one would fail only when run in a browser.
const verifyDir = path.join(root, 'dist', 'verify');
const verifyBundle = await build({
  entryPoints: [path.join(verifyDir, 'index.js')],
  outfile: path.join(verifyDir, 'merkle-verify.js'),
  bundle: true,
  platform: 'browser',
  format: 'esm',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  minify: true,
  legalComments: 'none',
  write: false,
  logLevel: 'warning',
});
const verifyCode = verifyBundle.outputFiles[0].text;
const nodeGlobal = /\b(?:Buffer|process|require|__dirname|__filename)\b/.exec(verifyCode);
if (nodeGlobal) {
  throw new Error(`bundle: the browser build (dist/verify) uses Node's ${nodeGlobal[0]} near "${verifyCode.slice(Math.max(0, nodeGlobal.index - 60), nodeGlobal.index + 40)}"`);
}
// The modules tsc wrote for the bundle import the .wasm files, which only the bundler can
// load: the bundle replaces them (their declarations stay, for the types).
for (const name of readdirSync(verifyDir)) {
  if (/\.js(?:\.map)?$/.test(name)) rmSync(path.join(verifyDir, name));
}
writeFileSync(path.join(verifyDir, 'merkle-verify.js'), verifyCode);

await build({
  ...kCommonOptions,
  entryPoints: [path.join(root, 'dist', 'builders', 'segment-worker.js')],
  outfile: path.join(root, 'dist', 'builders', 'segment-worker.cjs'),
});
// The directory builder's worker, for the same reason: it hashes batches of small files.
await build({
  ...kCommonOptions,
  entryPoints: [path.join(root, 'dist', 'dir', 'files-worker.js')],
  outfile: path.join(root, 'dist', 'dir', 'files-worker.cjs'),
});

const bundlePath = path.join(root, 'dist', 'cli', 'merkle.cjs');
const cachePath = `${bundlePath}.cache`;

// bin/merkle.cjs runs the bundle through node:vm, where an import() expression has no module
// loader (Node 20); src/import-module.ts, the one place that imports a module from outside the
// bundle (esbuild turns imports of bundled modules into plain calls), becomes a call to
// the launcher's import() (`__merkleImport`, an argument of the launcher's wrapper). Loaded
// by plain require(), the bundle still uses its own import().
const routeImportsToLauncher = {
  name: 'route-imports-to-launcher',
  setup(b) {
    b.onLoad({ filter: /[\\/]dist[\\/]import-module\.js$/ }, () => ({
      contents: "export function importModule(specifier) {\n  return typeof __merkleImport === 'function' ? __merkleImport(specifier) : import(specifier);\n}\n",
      loader: 'js',
    }));
  },
};

const result = await build({
  ...kCommonOptions,
  entryPoints: [path.join(root, 'dist', 'cli', 'bin.js')],
  outfile: bundlePath,
  write: false,
  plugins: [routeImportsToLauncher],
});
const code = result.outputFiles[0].text;
// The build id on the first line ties a code cache to this exact bundle (bin/merkle.cjs).
const buildId = createHash('sha256').update(code).digest('hex').slice(0, 32);
rmSync(cachePath, { force: true });
writeFileSync(bundlePath, `// merkle-engine build ${buildId}\n${code}`);

// One small build through the command writes the cache, so it also holds the functions a build
// compiles as it runs. Without a cache the command only starts a little slower: say so, go on.
const example = path.join(root, 'examples', 'hello.txt');
const partial = `${cachePath}.${process.pid}.tmp`;
const training = spawnSync(process.execPath, [path.join(root, 'bin', 'merkle.cjs'), 'build', example], {
  env: { ...process.env, MERKLE_WRITE_CODE_CACHE: partial },
  encoding: 'utf8',
});
if (training.status === 0) {
  renameSync(partial, cachePath);
} else {
  rmSync(partial, { force: true });
  const why = training.error?.message ?? (training.stderr.trim() || `exit ${training.status}`);
  console.warn(`bundle: no code cache written (merkle build ${path.relative(root, example)} failed: ${why}); the command compiles its bundle at each start`);
}
