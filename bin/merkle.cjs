#!/usr/bin/env node
'use strict';
// The `merkle` command. It runs dist/cli/merkle.cjs, the CLI bundled into one CommonJS file
// (scripts/bundle.mjs, at `npm run build`), from V8's code cache when the build left one:
// compiling the 330 KB bundle, and the functions a command runs, is ~6 ms of every start.
//
// The cache (dist/cli/merkle.cjs.cache) is the build id found on the bundle's first line (16
// bytes), a checksum of the rest (4 bytes), then V8's data. V8 itself checks only the source's
// length, and a release build of V8 does not checksum a code cache (one changed byte can crash
// it): so a cache from another build, or a damaged one, is never given to it. A cache that is
// missing, stale, damaged or refused by V8 (another Node version or other V8 flags) only means
// compiling as usual.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundlePath = path.join(__dirname, '..', 'dist', 'cli', 'merkle.cjs');
const cachePath = `${bundlePath}.cache`;
const source = fs.readFileSync(bundlePath, 'utf8');
const buildId = /^\/\/ merkle-engine build ([0-9a-f]{32})\n/.exec(source)?.[1];

const kHeaderBytes = 20;

// checksumOf: a 32-bit multiply-xor hash of `bytes`, word by word (~0.1 ms for the cache). It
// guards against damage, not against anyone: whoever can write the cache can write the bundle.
function checksumOf(bytes) {
  const words = Math.floor(bytes.length / 4);
  const view = new Uint32Array(bytes.buffer, bytes.byteOffset, words);
  let h = 0x811c9dc5 ^ bytes.length;
  for (let i = 0; i < words; i++) h = Math.imul(h ^ view[i], 0x01000193) ^ (h >>> 15);
  for (let i = words * 4; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193);
  return h >>> 0;
}

function readCache() {
  if (buildId === undefined) return undefined;
  let bytes;
  try {
    bytes = fs.readFileSync(cachePath);
  } catch {
    return undefined;
  }
  if (bytes.length <= kHeaderBytes || bytes.toString('hex', 0, 16) !== buildId) return undefined;
  // Copied so the words below are aligned: readFileSync's buffer may start at any offset.
  const data = Uint8Array.prototype.slice.call(bytes, kHeaderBytes);
  return bytes.readUInt32LE(16) === checksumOf(data) ? data : undefined;
}

// The wrapper is CommonJS's own, plus `__merkleImport`: the bundle's dynamic imports
// (src/import-module.ts) go through it, because an import() compiled by node:vm has no
// module loader in Node 20. This file's import() has one.
const wrapper = `(function (exports, require, module, __filename, __dirname, __merkleImport) {${source}\n})`;
const script = new vm.Script(wrapper, { filename: bundlePath, cachedData: readCache() });
const bundle = new Module(bundlePath, module);
bundle.filename = bundlePath;
const run = script.runInThisContext();

// `npm run build` runs one small build with MERKLE_WRITE_CODE_CACHE=FILE: the cache then also
// holds the functions that build compiled, not only the top level.
const cacheOut = process.env.MERKLE_WRITE_CODE_CACHE;
if (cacheOut && buildId !== undefined) {
  process.on('exit', () => {
    const data = script.createCachedData();
    const header = Buffer.alloc(kHeaderBytes);
    header.write(buildId, 0, 'hex');
    header.writeUInt32LE(checksumOf(data), 16);
    fs.writeFileSync(cacheOut, Buffer.concat([header, data]));
  });
}

run.call(bundle.exports, bundle.exports, Module.createRequire(bundlePath), bundle, bundlePath, path.dirname(bundlePath), (specifier) => import(specifier));
