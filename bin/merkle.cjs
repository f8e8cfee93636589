#!/usr/bin/env node
'use strict';
// The `merkle` command. It runs dist/cli/merkle.cjs, the CLI bundled into one CommonJS file
// (scripts/bundle.mjs, at `npm run build`), from V8's code cache when the build left one:
// compiling the 330 KB bundle, and the functions a command runs, is ~6 ms of every start.
//
// The cache (dist/cli/merkle.cjs.cache) starts with the build id found on the bundle's first
// line: V8 itself checks only the source's length, so a cache from another build is never
// given to it. A cache that is missing, stale or refused by V8 (another Node version or other
// V8 flags) only means compiling as usual.
const fs = require('node:fs');
const path = require('node:path');
const vm = require('node:vm');
const Module = require('node:module');

const bundlePath = path.join(__dirname, '..', 'dist', 'cli', 'merkle.cjs');
const cachePath = `${bundlePath}.cache`;
const source = fs.readFileSync(bundlePath, 'utf8');
const buildId = /^\/\/ merkle-engine build ([0-9a-f]{32})\n/.exec(source)?.[1];

function readCache() {
  if (buildId === undefined) return undefined;
  let bytes;
  try {
    bytes = fs.readFileSync(cachePath);
  } catch {
    return undefined;
  }
  const idBytes = Buffer.from(buildId, 'hex');
  if (bytes.length <= idBytes.length || !bytes.subarray(0, idBytes.length).equals(idBytes)) return undefined;
  return bytes.subarray(idBytes.length);
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
    fs.writeFileSync(cacheOut, Buffer.concat([Buffer.from(buildId, 'hex'), script.createCachedData()]));
  });
}

run.call(bundle.exports, bundle.exports, Module.createRequire(bundlePath), bundle, bundlePath, path.dirname(bundlePath), (specifier) => import(specifier));
