#!/usr/bin/env node
// Builds the native addon (build/Release/merkle_native.node) with node-gyp; run as the
// package's `install` script. Works offline: Node's own headers are passed with --nodedir, so
// node-gyp never tries to download them. A failed build never fails the install: the engine
// then uses its node:crypto and WebAssembly backends, and one warning line says why and how
// to fix it.
//
// A package made by `npm pack` ships a prebuilt addon for its platform (scripts/prebuild.mjs):
// when it loads here, the install builds nothing and takes seconds. MERKLE_BUILD_FROM_SOURCE=1
// builds anyway.
//
// Usage: node scripts/build-native.mjs [--asan]
//   --asan: an AddressSanitizer build in .tmp/asan/build/Release/merkle_native.node (for
//   `npm run test:asan`), built from a copy of binding.gyp and native/ so build/ is untouched;
//   unlike the install build, a failure exits non-zero.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const kPackageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kAsan = process.argv.includes('--asan');

/** nodeGypPath returns node-gyp's entry script: ours if installed, else the one inside npm. */
function nodeGypPath() {
  const require = createRequire(import.meta.url);
  try {
    return require.resolve('node-gyp/bin/node-gyp.js');
  } catch {
    // npm_execpath is npm-cli.js when run by npm; its node-gyp sits in npm's node_modules.
    const npmCli = process.env.npm_execpath;
    const candidates = [
      npmCli && path.join(path.dirname(npmCli), '..', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
      path.join(path.dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    ];
    return candidates.find((candidate) => candidate && existsSync(candidate));
  }
}

function warn(cause, fix) {
  console.warn(`merkle-engine: native addon not built (${cause}); ${fix}. Falling back to the node and wasm backends.`);
}

/** prebuiltLoads says whether this package's prebuilt addon for this platform loads here. */
function prebuiltLoads() {
  const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
  const libc = process.platform === 'linux' ? `-${glibc ? 'glibc' : 'musl'}` : '';
  const file = path.join(kPackageRoot, 'prebuilds', `${process.platform}-${process.arch}${libc}`, 'merkle_native.node');
  if (!existsSync(file)) return false;
  try {
    createRequire(import.meta.url)(file);
    return true;
  } catch {
    return false;
  }
}

const nodeDir = path.dirname(path.dirname(process.execPath));
const gyp = nodeGypPath();
if (!kAsan && !process.env.MERKLE_BUILD_FROM_SOURCE && prebuiltLoads()) {
  // The prebuilt addon is used; nothing to build.
} else if (!gyp) {
  warn('node-gyp not found', 'install node-gyp 12 (npm i -g node-gyp@12) and run `npm rebuild merkle-engine`');
} else if (!existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h'))) {
  warn(`no Node headers in ${path.join(nodeDir, 'include', 'node')}`, 'install Node with its headers (e.g. the official tarball) and run `npm rebuild merkle-engine`');
} else {
  const args = [gyp, 'rebuild', `--nodedir=${nodeDir}`];
  let cwd = kPackageRoot;
  if (kAsan) {
    cwd = path.join(kPackageRoot, '.tmp', 'asan');
    rmSync(cwd, { recursive: true, force: true });
    mkdirSync(cwd, { recursive: true });
    cpSync(path.join(kPackageRoot, 'binding.gyp'), path.join(cwd, 'binding.gyp'));
    cpSync(path.join(kPackageRoot, 'native'), path.join(cwd, 'native'), { recursive: true });
    args.push('--', '-Dmerkle_asan=1');
  }
  const result = spawnSync(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (kAsan || process.env.MERKLE_BUILD_VERBOSE) process.stderr.write(output);
    const firstError = output.split('\n').find((line) => /error|not found|No such file/i.test(line))?.trim();
    const cause = firstError ?? (result.error ? result.error.message : `node-gyp exited with ${result.status}`);
    warn(cause.slice(0, 200), 'install python3, make and g++ (Debian: apt-get install python3 make g++) and run `npm rebuild merkle-engine`; MERKLE_BUILD_VERBOSE=1 shows the full log');
    if (kAsan) process.exitCode = 1;
  }
}
if (kAsan && process.exitCode !== 1) console.log(path.join(kPackageRoot, '.tmp', 'asan', 'build', 'Release', 'merkle_native.node'));
