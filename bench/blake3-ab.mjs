// Paired A/B of BLAKE3 addon builds beside @napi-rs/blake-hash, one thread.
//
// On a shared machine one timing says little: this loads every given build of the addon into
// one process and runs all contenders in interleaved rounds, timing each by process CPU time,
// and prints the median of the rounds. Per build and message size it times the batch call
// (hashBlocks over the whole buffer) and, from 64 KiB up, one blake3Hash call per message;
// @napi-rs/blake-hash is one call per message, as its API is.
//
// Run: npm run bench:peers   # once: installs @napi-rs/blake-hash into bench/node_modules
//      cp build/Release/merkle_native.node /tmp/before.node   # on the old commit
//      node bench/blake3-ab.mjs [--mib 32] [--hot] [--rounds 15] /tmp/before.node build/Release/merkle_native.node
// --hot hashes one 1 MiB buffer over and over (cache-resident data: the kernels alone);
// without it the buffer is --mib MiB (32 MiB: mostly from L3 and DRAM).
import { randomFillSync } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    mib: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '15' },
    hot: { type: 'boolean', default: false },
    sizes: { type: 'string', default: '1024,65536,1048576' },
  },
});
if (positionals.length === 0) {
  console.error('usage: node bench/blake3-ab.mjs [--mib N] [--hot] [--rounds N] addon.node [addon.node ...]');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const builds = positionals.map((file, i) => ({ label: `${String.fromCharCode(65 + i)}:${path.basename(file)}`, addon: require(path.resolve(file)) }));
const napiBlake3 = require('@napi-rs/blake-hash').blake3;

const kBytes = (values.hot ? 1 : Number(values.mib)) * (1 << 20);
const kRepeat = values.hot ? 32 : 1; // passes over the buffer per timed sample
const sizes = values.sizes.split(',').map(Number);
const backing = new Uint8Array(kBytes + 4096);
randomFillSync(backing);
const offset = 1 + Math.floor(Math.random() * 4095);
const data = backing.subarray(offset, offset + kBytes);
const hex = (bytes) => Buffer.from(bytes).toString('hex');

const contenders = [];
for (const { label, addon } of builds) {
  const kernel = addon.blake3Selected().index;
  // Every build must agree with the peer before it is timed.
  const digest = new Uint8Array(32);
  addon.blake3Hash(kernel, data.subarray(0, Math.min(kBytes, 1 << 20)), digest);
  if (hex(digest) !== hex(napiBlake3(data.subarray(0, Math.min(kBytes, 1 << 20))))) throw new Error(`${label}: digest differs from @napi-rs/blake-hash`);
  for (const size of sizes) {
    const out = new Uint8Array(Math.ceil(kBytes / size) * 32);
    contenders.push({ size, name: `${label} hashBlocks`, run: () => addon.blake3HashBlocks(kernel, data, size, -1, out) });
    if (size >= 65536) {
      contenders.push({
        size,
        name: `${label} one hash per call`,
        run: () => {
          for (let at = 0; at < kBytes; at += size) addon.blake3Hash(kernel, data.subarray(at, at + size), digest);
        },
      });
    }
  }
}
for (const size of sizes) {
  contenders.push({
    size,
    name: '@napi-rs/blake-hash',
    run: () => {
      for (let at = 0; at < kBytes; at += size) napiBlake3(data.subarray(at, at + size));
    },
  });
}

const samples = contenders.map(() => []);
for (const c of contenders) c.run(); // warm-up
for (let round = 0; round < Number(values.rounds); round++) {
  contenders.forEach((c, i) => {
    const start = process.cpuUsage();
    for (let r = 0; r < kRepeat; r++) c.run();
    const used = process.cpuUsage(start);
    samples[i].push((kRepeat * kBytes) / ((used.user + used.system) / 1e6) / 1e6);
  });
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const rows = [];
for (const size of sizes) {
  const peer = median(samples[contenders.findIndex((c) => c.size === size && c.name === '@napi-rs/blake-hash')]);
  contenders.forEach((c, i) => {
    if (c.size !== size) return;
    const mbps = median(samples[i]);
    rows.push({ size: size >= 1 << 20 ? `${size >> 20} MiB` : `${size >> 10} KiB`, contender: c.name, 'MB per CPU-s (median)': Math.round(mbps), '× napi-rs': (mbps / peer).toFixed(3) });
  });
}
console.log(`${values.hot ? 'hot 1 MiB buffer' : `${kBytes >> 20} MiB buffer`} at page offset ${offset}, ${values.rounds} interleaved rounds, medians`);
console.table(rows);
