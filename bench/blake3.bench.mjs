// BLAKE3 throughput, one thread: every native kernel this CPU runs (one hashBlocks call per
// buffer of leaves), the dispatched kernel at one leaf per call (call overhead), the
// ts-portable tree kernel, @napi-rs/blake-hash, blake3-wasm and hash-wasm (one call per leaf),
// and `b3sum --num-threads 1` on a file, in the same run.
//
// Run: npm run build && node bench/blake3.bench.mjs [--mib 32] [--time 300]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { createBLAKE3 } from 'hash-wasm';
import { blake3 as napiBlake3 } from '@napi-rs/blake-hash';
import { hash as blake3WasmHash } from 'blake3-wasm';
import { _nativeBlake3Kernels, _nativeBlake3WithKernel, nativeBlake3 } from '../dist/hash/blake3-native.js';
import { createPortableBlake3TreeKernel } from '../dist/hash/blake3-portable.js';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '32' }, time: { type: 'string', default: '300' } } });
const kBytes = Number(values.mib) * 1024 * 1024;
const kLeafSizes = [1024, 4096, 65536, 1 << 20];
const label = (n) => (n >= 1 << 20 ? `${n >> 20} MiB` : `${n >> 10} KiB`);

// Random bytes at a random offset into the page, so no result depends on alignment luck.
const backing = new Uint8Array(kBytes + 4096);
randomFillSync(backing);
const offset = 1 + Math.floor(Math.random() * 4095);
const data = backing.subarray(offset, offset + kBytes);

const bench = new Bench({ time: Number(values.time), warmupTime: 50 });
const bytesOf = new Map();
const add = (name, bytes, fn) => {
  bytesOf.set(name, bytes);
  bench.add(name, fn);
};

const native = nativeBlake3();
const dispatched = 'unavailable' in native ? undefined : native.hashKernel.kernel;
const skipped = [];
for (const info of _nativeBlake3Kernels()) {
  if (!info.supported) {
    skipped.push(`${info.name}: CPU lacks it`);
    continue;
  }
  const { hashKernel } = _nativeBlake3WithKernel(info.id);
  for (const leaf of kLeafSizes) {
    const out = new Uint8Array(Math.ceil(kBytes / leaf) * 32);
    add(`native ${info.name} @ ${label(leaf)}`, kBytes, () => hashKernel.hashBlocks(data, leaf, -1, out));
  }
}
if (dispatched) {
  const { hashKernel } = native;
  for (const leaf of [1024, 65536]) {
    const out = new Uint8Array(32);
    add(`native ${dispatched} one leaf per call @ ${label(leaf)}`, kBytes, () => {
      for (let at = 0; at < kBytes; at += leaf) hashKernel.hashBlocks(data.subarray(at, at + leaf), leaf, -1, out);
    });
  }
} else {
  skipped.push(`native addon: ${native.unavailable}`);
}

const portableBytes = Math.min(kBytes, 4 << 20);
const portable = createPortableBlake3TreeKernel();
for (const leaf of [1024, 65536]) {
  const out = new Uint8Array(Math.ceil(portableBytes / leaf) * 32);
  add(`ts-portable groupChainingValues @ ${label(leaf)}`, portableBytes, () =>
    portable.groupChainingValues(data.subarray(0, portableBytes), leaf, 0, out),
  );
}

const hashWasm = await createBLAKE3();
for (const leaf of kLeafSizes) {
  add(`@napi-rs/blake-hash @ ${label(leaf)}`, kBytes, () => {
    for (let at = 0; at < kBytes; at += leaf) napiBlake3(data.subarray(at, at + leaf));
  });
  add(`blake3-wasm @ ${label(leaf)}`, kBytes, () => {
    for (let at = 0; at < kBytes; at += leaf) blake3WasmHash(data.subarray(at, at + leaf));
  });
  add(`hash-wasm @ ${label(leaf)}`, kBytes, () => {
    for (let at = 0; at < kBytes; at += leaf) {
      hashWasm.init();
      hashWasm.update(data.subarray(at, at + leaf));
      hashWasm.digest('binary');
    }
  });
}

await bench.run();

const rows = bench.tasks.map((task) => {
  const ms = task.result?.latency?.mean ?? NaN;
  return { task: task.name, 'MB/s': Math.round(bytesOf.get(task.name) / 1e6 / (ms / 1000)), 'ms/iter': ms.toFixed(2) };
});

// b3sum on a file of the same bytes: the median of 5 runs, process start and page-cache reads included.
const dir = mkdtempSync(path.join(tmpdir(), 'blake3-bench-'));
try {
  const file = path.join(dir, 'data.bin');
  writeFileSync(file, data);
  const probe = spawnSync('b3sum', ['--version']);
  if (probe.error) {
    skipped.push('b3sum: not installed (apt-get install -y b3sum)');
  } else {
    const times = [];
    for (let run = 0; run < 6; run++) {
      const start = process.hrtime.bigint();
      spawnSync('b3sum', ['--num-threads', '1', '--no-names', file]);
      if (run > 0) times.push(Number(process.hrtime.bigint() - start) / 1e6);
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)];
    rows.push({ task: `b3sum --num-threads 1 (${label(kBytes)} file)`, 'MB/s': Math.round(kBytes / 1e6 / (ms / 1000)), 'ms/iter': ms.toFixed(2) });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`CPU: ${cpus()[0]?.model} · threads: 1 · dispatched: ${dispatched ?? 'none'} · buffer ${label(kBytes)} at page offset ${offset}`);
console.table(rows);
if (skipped.length > 0) console.log(`skipped: ${skipped.join('; ')}`);
