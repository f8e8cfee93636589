#!/usr/bin/env node
// Puts the addon built from source (build/Release/merkle_native.node) into the package as this
// platform's prebuilt binary, prebuilds/<platform>-<arch>[-<libc>]/, with the N-API version it
// needs (binding.gyp's NAPI_VERSION) in prebuild.json. Run by `prepack`, so `npm pack` ships it
// and an install with --ignore-scripts, or without a compiler, still gets the native backend.
// The directory name must match prebuiltDirectory() in src/addon/loader.ts.
//
// Usage: node scripts/prebuild.mjs [--out DIR]   (DIR: the package root to write into; default this one)
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const built = path.join(root, 'build', 'Release', 'merkle_native.node');
if (!existsSync(built)) {
  console.error(`prebuild: ${built} is missing: the native build failed, and a package without it would fall back to WebAssembly`);
  process.exit(1);
}
const napi = Number(/NAPI_VERSION=(\d+)/.exec(readFileSync(path.join(root, 'binding.gyp'), 'utf8'))?.[1]);
if (!Number.isInteger(napi)) {
  console.error('prebuild: binding.gyp names no NAPI_VERSION');
  process.exit(1);
}
const glibc = process.report?.getReport()?.header?.glibcVersionRuntime;
const libc = process.platform === 'linux' ? `-${glibc ? 'glibc' : 'musl'}` : '';
const outAt = process.argv.indexOf('--out');
const outRoot = outAt > 0 ? path.resolve(process.argv[outAt + 1] ?? '.') : root;
const target = path.join(outRoot, 'prebuilds', `${process.platform}-${process.arch}${libc}`);
rmSync(path.join(outRoot, 'prebuilds'), { recursive: true, force: true });
mkdirSync(target, { recursive: true });
copyFileSync(built, path.join(target, 'merkle_native.node'));
writeFileSync(path.join(target, 'prebuild.json'), `${JSON.stringify({ napi, platform: process.platform, arch: process.arch, libc: libc.slice(1) || undefined, glibc, builtWith: process.version }, null, 2)}\n`);
console.log(`prebuild: ${path.relative(outRoot, target)}/merkle_native.node (N-API ${napi}${glibc ? `, glibc ${glibc}` : ''})`);
