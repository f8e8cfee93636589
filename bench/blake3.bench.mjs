// BLAKE3 throughput, one thread: every native kernel this CPU runs (one hashBlocks call per
// buffer of leaves), the dispatched kernel at one leaf per call (call overhead), the
// ts-portable tree kernel, @napi-rs/blake-hash, blake3-wasm and hash-wasm (one call per leaf),
// and `b3sum --num-threads 1` on a file, in the same run.
//
// Run: npm run build && node bench/blake3.bench.mjs [--mib 32] [--time 300]
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Bench } from 'tinybench';
import { createBLAKE3 } from 'hash-wasm';
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
const fnOf = new Map();
const add = (name, bytes, fn) => {
  bytesOf.set(name, bytes);
  fnOf.set(name, fn);
  bench.add(name, fn);
};

// cpuMs is the least process CPU time (user + system) of `runs` calls of fn: on a shared
// machine it moves far less than wall clock, and it would expose a competitor using threads.
const cpuMs = (fn, runs = 5) => {
  let best = Infinity;
  for (let run = 0; run < runs; run++) {
    const start = process.cpuUsage();
    fn();
    const used = process.cpuUsage(start);
    best = Math.min(best, (used.user + used.system) / 1000);
  }
  return best;
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

// @napi-rs/blake-hash lives in bench/package.json (`npm run bench:peers`), not the root's.
const napiBlake3 = await import('@napi-rs/blake-hash').then(
  (module) => module.blake3,
  (error) => console.warn(`@napi-rs/blake-hash skipped: not installed (${error.message.split('\n')[0]}); run npm run bench:peers`),
);
const hashWasm = await createBLAKE3();
for (const leaf of kLeafSizes) {
  if (napiBlake3) {
    add(`@napi-rs/blake-hash @ ${label(leaf)}`, kBytes, () => {
      for (let at = 0; at < kBytes; at += leaf) napiBlake3(data.subarray(at, at + leaf));
    });
  }
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

// The machine may be shared: the median is the headline, the best run shows the ceiling.
const mbps = (bytes, ms) => Math.round(bytes / 1e6 / (ms / 1000));
const rows = bench.tasks.map((task) => {
  const latency = task.result?.latency;
  const bytes = bytesOf.get(task.name);
  return {
    task: task.name,
    'MB/s (median)': mbps(bytes, latency?.p50 ?? NaN),
    'MB/s (best)': mbps(bytes, latency?.min ?? NaN),
    'MB per CPU-s': mbps(bytes, cpuMs(fnOf.get(task.name))),
  };
});

// b3sum on a file (the bench's bytes, repeated up to at least 256 MiB so its run time dwarfs
// process start-up), 7 timed runs: wall clock, which includes mmap page faults of the
// page-cached file, and user CPU time from bash's `times` (getrusage of the child), which is
// the hashing alone and comparable with the CPU-second column.
const dir = mkdtempSync(path.join(tmpdir(), 'blake3-bench-'));
try {
  const file = path.join(dir, 'data.bin');
  const repeats = Math.max(1, Math.ceil((256 << 20) / kBytes));
  for (let r = 0; r < repeats; r++) appendFileSync(file, data);
  const fileBytes = repeats * kBytes;
  if (spawnSync('b3sum', ['--version']).error) {
    skipped.push('b3sum: not installed (apt-get install -y b3sum)');
  } else {
    const wall = [];
    const user = [];
    const script = `b3sum --num-threads 1 --no-names "$1" > /dev/null; times`;
    for (let run = 0; run < 8; run++) {
      const start = process.hrtime.bigint();
      const child = spawnSync('bash', ['-c', script, 'bench', file]);
      if (run === 0) continue; // warm-up
      wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      // `times` prints the shell's user/sys, then its children's: "0m0.061s 0m0.090s".
      const [, minutes, seconds] = /^(\d+)m([\d.]+)s/.exec(child.stdout.toString().trim().split('\n')[1] ?? '') ?? [];
      user.push((Number(minutes) * 60 + Number(seconds)) * 1000);
    }
    const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    rows.push({
      task: `b3sum --num-threads 1 on a ${label(fileBytes)} file`,
      'MB/s (median)': mbps(fileBytes, median(wall)),
      'MB/s (best)': mbps(fileBytes, Math.min(...wall)),
      'MB per CPU-s': mbps(fileBytes, Math.min(...user)),
    });
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

console.log(`CPU: ${cpus()[0]?.model} · threads: 1 · dispatched: ${dispatched ?? 'none'} · buffer ${label(kBytes)} at page offset ${offset}`);
console.table(rows);
if (skipped.length > 0) console.log(`skipped: ${skipped.join('; ')}`);
