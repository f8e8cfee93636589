// Benchmarks the project's WASM kernels (SIMD128 and scalar builds) against hash-wasm (one call
// per message) and @chainsafe/as-sha256 (a whole level of 64-byte nodes per call).
// Run after `npm run build`: `npm run bench:wasm` (or `node bench/wasm.bench.mjs [--time ms]`).
// Figures are the median of tinybench samples, so background load skews them less.
import { randomFillSync } from 'node:crypto';
import os from 'node:os';
import { Bench } from 'tinybench';
import { createBLAKE3, createSHA256 } from 'hash-wasm';
import { hashInto as asSha256HashInto, simdEnabled as asSha256Simd } from '@chainsafe/as-sha256';
import { loadWasmKernels, simd128Supported } from '../dist/hash/wasm-kernels.js';

const kTimeMs = Number(process.argv[process.argv.indexOf('--time') + 1]) || 3000;
const kPairs = 8192;
const kLeafBytes = 1 << 20;

const variants = simd128Supported() ? ['simd128', 'scalar'] : ['scalar'];
const sets = Object.fromEntries(await Promise.all(variants.map(async (v) => [v, await loadWasmKernels(v)])));
const hashWasm = { sha256: await createSHA256(), blake3: await createBLAKE3() };

const level = randomFillSync(new Uint8Array(kPairs * 64));
const nodesOut = new Uint8Array(kPairs * 32);
const leaves = randomFillSync(new Uint8Array(kLeafBytes));
const leavesOut = new Uint8Array((kLeafBytes / 1024) * 32);

/** hashWasmEach hashes each `size`-byte message of `data` with one hash-wasm call sequence. */
function hashWasmEach(hasher, data, size, out) {
  for (let at = 0, i = 0; at < data.length; at += size, i++) {
    hasher.init();
    hasher.update(data.subarray(at, at + size));
    out.set(hasher.digest('binary'), 32 * i);
  }
}

const groups = [];
function group(title, unit, perOp, tasks) {
  groups.push({ title, unit, perOp, tasks });
}

for (const [prefix, double, label] of [[-1, false, 'H(L‖R)'], [1, false, 'H(0x01‖L‖R) rfc9162'], [-1, true, 'SHA256d(L‖R) bitcoin']]) {
  const tasks = variants.map((v) => [`own ${sets[v].sha256.kernel}`, () => sets[v].sha256.hashPairs(level, kPairs, prefix, double, nodesOut)]);
  if (prefix < 0 && !double) tasks.push([`as-sha256 hashInto (whole level, simd ${asSha256Simd})`, () => asSha256HashInto(level, nodesOut)]);
  const once = (i) => {
    hashWasm.sha256.init();
    if (prefix >= 0) hashWasm.sha256.update(Uint8Array.of(prefix));
    hashWasm.sha256.update(level.subarray(64 * i, 64 * i + 64));
    return hashWasm.sha256.digest('binary');
  };
  tasks.push(['hash-wasm per node', () => {
    for (let i = 0; i < kPairs; i++) {
      let d = once(i);
      if (double) { hashWasm.sha256.init(); hashWasm.sha256.update(d); d = hashWasm.sha256.digest('binary'); }
      nodesOut.set(d, 32 * i);
    }
  }]);
  group(`SHA-256 nodes ${label}`, 'M nodes/s', kPairs / 1e6, tasks);
}

for (const [hash, sizes] of [['sha256', [4096, 65536]], ['blake3', [1024, 65536]]]) {
  for (const size of sizes) {
    const tasks = variants.map((v) => [`own ${sets[v][hash].kernel}`, () => sets[v][hash].hashBlocks(leaves, size, -1, leavesOut)]);
    tasks.push(['hash-wasm per leaf', () => hashWasmEach(hashWasm[hash], leaves, size, leavesOut)]);
    group(`${hash.toUpperCase()} leaves of ${size / 1024} KiB`, 'MB/s', kLeafBytes / 1e6, tasks);
  }
}

console.log(`cpu: ${os.cpus()[0]?.model} ×${os.cpus().length}, node ${process.version}, load ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
// Several short rounds, keeping each task's best median: on a shared machine, background load
// comes and goes, and sequential runs would otherwise blame it on whichever task ran then.
const kRounds = 3;
const best = new Map();
for (let round = 0; round < kRounds; round++) {
  for (const { title, perOp, tasks } of groups) {
    const bench = new Bench({ time: kTimeMs / kRounds, warmupTime: 100 });
    for (const [name, fn] of tasks) bench.add(name, fn);
    await bench.run();
    for (const task of bench.tasks) {
      const key = `${title}/${task.name}`;
      const rate = perOp / (task.result.latency.p50 / 1000);
      best.set(key, Math.max(best.get(key) ?? 0, rate));
    }
  }
}
for (const { title, unit, tasks } of groups) {
  const rates = tasks.map(([name]) => ({ name, rate: best.get(`${title}/${name}`) }));
  const baseline = rates.find((r) => r.name.startsWith('hash-wasm'))?.rate;
  const asSha = rates.find((r) => r.name.startsWith('as-sha256'))?.rate;
  console.log(`\n${title} (${unit}, best median of ${kRounds} rounds)`);
  for (const { name, rate } of rates) {
    const vsHashWasm = baseline ? `  ${(rate / baseline).toFixed(2)}× hash-wasm` : '';
    const vsAsSha = asSha ? `  ${(rate / asSha).toFixed(2)}× as-sha256` : '';
    console.log(`  ${name.padEnd(48)} ${rate.toFixed(rate < 10 ? 2 : 0).padStart(8)}${vsHashWasm}${vsAsSha}`);
  }
}
