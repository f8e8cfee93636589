#!/usr/bin/env node
// SHA-256 kernel benchmark: leaf throughput (MB/s) at 64 B … 1 MiB blocks and node hashes/s for
// 64- and 65-byte messages, for every native kernel this CPU runs, beside node:crypto
// (createHash and crypto.hash, one call per message), hash-wasm, @chainsafe/hashtree's level
// hash (64-byte nodes only) and `openssl speed -evp sha256`, all measured in this run.
// One thread. Needs `npm run build` (imports dist/) and the addon.
//
// Usage: node bench/sha256.bench.mjs [--time ms] [--stat p50|min] [--json file]
//   --stat: the per-call time reported (default p50, the median; min shows the uncontended speed
//   on a machine shared with other work). openssl speed reports its own average over 1 s: on a
//   busy machine compare with the crypto.hash column (OpenSSL too) instead.
import { execFileSync } from 'node:child_process';
import { createHash, hash as oneShotHash, randomFillSync } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { Bench } from 'tinybench';
import { createSHA256 } from 'hash-wasm';
import { nativeSha256, nativeSha256Isas, nativeSha256WithIsa } from '../dist/hash/native.js';

const argValue = (flag, fallback) => {
  const i = process.argv.indexOf(flag);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const kTime = Number(argValue('--time', '400'));
const kJson = argValue('--json', undefined);
const kStat = argValue('--stat', 'p50');
if (kStat !== 'p50' && kStat !== 'min') throw new RangeError(`--stat must be p50 or min, got ${kStat}`);
const kLeafSizes = [64, 1024, 4096, 65536, 1048576];
// Bytes hashed per leaf-benchmark call: enough blocks that the per-call cost vanishes.
const kLeafBatchBytes = 4 * 1024 * 1024;
const kNodeCount = 16384;

/** randomInput returns `length` random bytes at a random offset inside a page (as real buffers are). */
function randomInput(length) {
  const offset = Math.floor(Math.random() * 64);
  const backing = new Uint8Array(length + 4096);
  randomFillSync(backing);
  return backing.subarray(offset, offset + length);
}

/** opensslSpeed runs `openssl speed -evp sha256 -bytes N` and returns bytes/s, or undefined. */
function opensslSpeed(bytes) {
  try {
    const text = execFileSync('openssl', ['speed', '-evp', 'sha256', '-bytes', String(bytes), '-seconds', '1'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    const match = text.match(/^sha256\s+([\d.]+)k\s*$/m);
    return match ? Number(match[1]) * 1000 : undefined;
  } catch {
    return undefined;
  }
}

async function loadHashtree() {
  try {
    return await import('@chainsafe/hashtree');
  } catch (error) {
    console.warn(`@chainsafe/hashtree not available (${error.message.split('\n')[0]}); skipped`);
    return undefined;
  }
}

async function measure(tasks) {
  const bench = new Bench({ time: kTime, warmupTime: 100 });
  for (const [name, fn] of tasks) bench.add(name, fn);
  await bench.run();
  return new Map(bench.tasks.map((t) => [t.name, t.result.latency[kStat] / 1000])); // seconds per call
}

const dispatched = nativeSha256();
if ('unavailable' in dispatched) {
  console.error(`native addon unavailable: ${dispatched.unavailable}`);
  process.exit(1);
}
const kernels = nativeSha256Isas().map((isa) => nativeSha256WithIsa(isa));
const wasm = await createSHA256();
const hashtree = await loadHashtree();

const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`# SHA-256 kernels — ${cpu}, node ${process.version}, 1 thread, dispatched: ${dispatched.kernel}, per-call ${kStat}, load average ${os.loadavg()[0].toFixed(2)} on ${os.availableParallelism()} cores`);
const results = { cpu, node: process.version, dispatched: dispatched.kernel, leaves: [], nodes: [] };

// ---------------------------------------------------------------- leaves
console.log('\n## leaves (MB/s, 10^6 bytes/s; hashBlocks over a 4 MiB buffer per call)');
console.log(['block', 'openssl', ...kernels.map((k) => k.kernel), 'createHash', 'crypto.hash', 'hash-wasm', 'best/openssl'].join('\t'));
for (const size of kLeafSizes) {
  const count = Math.max(1, Math.floor(kLeafBatchBytes / size));
  const data = randomInput(count * size);
  const out = new Uint8Array(32 * count);
  const tasks = kernels.map((k) => [k.kernel, () => k.hashBlocks(data, size, -1, out)]);
  tasks.push(['createHash', () => {
    for (let i = 0; i < count; i++) createHash('sha256').update(data.subarray(i * size, (i + 1) * size)).digest();
  }]);
  tasks.push(['crypto.hash', () => {
    for (let i = 0; i < count; i++) oneShotHash('sha256', data.subarray(i * size, (i + 1) * size), 'buffer');
  }]);
  tasks.push(['hash-wasm', () => {
    for (let i = 0; i < count; i++) wasm.init().update(data.subarray(i * size, (i + 1) * size)).digest('binary');
  }]);
  const seconds = await measure(tasks);
  const mbps = (name) => (count * size) / seconds.get(name) / 1e6;
  const openssl = opensslSpeed(size);
  const row = { size, openssl: openssl && openssl / 1e6 };
  for (const [name] of tasks) row[name] = mbps(name);
  const best = Math.max(...kernels.map((k) => row[k.kernel]));
  row.bestOverOpenssl = openssl ? best / row.openssl : undefined;
  results.leaves.push(row);
  console.log([size, row.openssl?.toFixed(0) ?? 'n/a', ...tasks.map(([n]) => row[n].toFixed(0)), row.bestOverOpenssl?.toFixed(3) ?? 'n/a'].join('\t'));
}

// ---------------------------------------------------------------- nodes
console.log(`\n## nodes (million hashes/s; hashPairs over ${kNodeCount} pairs per call)`);
console.log(['message', ...kernels.map((k) => k.kernel), 'hashtree', 'createHash', 'crypto.hash', 'hash-wasm', 'best/hashtree', 'best/crypto.hash'].join('\t'));
for (const [label, prefix, double] of [
  ['64 B', -1, false],
  ['65 B (0x01‖L‖R)', 1, false],
  ['64 B SHA256d', -1, true],
]) {
  const level = randomInput(64 * kNodeCount);
  const out = new Uint8Array(32 * kNodeCount);
  const prefixByte = Uint8Array.of(prefix);
  const one = (pair) => {
    const d = prefix < 0 ? oneShotHash('sha256', pair, 'buffer') : createHash('sha256').update(prefixByte).update(pair).digest();
    return double ? oneShotHash('sha256', d, 'buffer') : d;
  };
  const tasks = kernels.map((k) => [k.kernel, () => k.hashPairs(level, kNodeCount, prefix, double, out)]);
  if (hashtree && prefix < 0 && !double) tasks.push(['hashtree', () => hashtree.hashInto(level, out)]);
  tasks.push(['createHash', () => {
    for (let i = 0; i < kNodeCount; i++) {
      const h = createHash('sha256');
      if (prefix >= 0) h.update(prefixByte);
      const d = h.update(level.subarray(64 * i, 64 * i + 64)).digest();
      if (double) createHash('sha256').update(d).digest();
    }
  }]);
  tasks.push(['crypto.hash', () => {
    for (let i = 0; i < kNodeCount; i++) one(level.subarray(64 * i, 64 * i + 64));
  }]);
  tasks.push(['hash-wasm', () => {
    for (let i = 0; i < kNodeCount; i++) {
      wasm.init();
      if (prefix >= 0) wasm.update(prefixByte);
      const d = wasm.update(level.subarray(64 * i, 64 * i + 64)).digest('binary');
      if (double) wasm.init().update(d).digest('binary');
    }
  }]);
  const seconds = await measure(tasks);
  const row = { message: label };
  for (const [name] of tasks) row[name] = kNodeCount / seconds.get(name) / 1e6;
  const best = Math.max(...kernels.map((k) => row[k.kernel]));
  row.bestOverHashtree = row.hashtree ? best / row.hashtree : undefined;
  row.bestOverCryptoHash = best / row['crypto.hash'];
  results.nodes.push(row);
  const cells = [label, ...kernels.map((k) => row[k.kernel]), row.hashtree, row.createHash, row['crypto.hash'], row['hash-wasm']];
  console.log(
    [...cells.map((v) => (typeof v === 'number' ? v.toFixed(2) : v ?? 'n/a')), row.bestOverHashtree?.toFixed(2) ?? 'n/a', row.bestOverCryptoHash.toFixed(1)].join('\t'),
  );
}

if (kJson) writeFileSync(kJson, `${JSON.stringify(results, null, 2)}\n`);
