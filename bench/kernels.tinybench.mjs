// Cross-check of `merkle bench`'s own timing loop (src/bench/timing.ts) with tinybench: each
// dispatched kernel, batched, at 4 KiB and 64 KiB leaves and 64-byte nodes, timed by both;
// the two medians should agree within noise. Run after `npm run build`:
//   node bench/kernels.tinybench.mjs [--json]
import { Bench } from 'tinybench';
import { listKernelVariants } from '../dist/bench/kernel-variants.js';
import { randomBytes } from '../dist/bench/kernels.js';
import { timeSync } from '../dist/bench/timing.js';

const NO_PREFIX = -1;
const bench = new Bench({ name: 'kernels (tinybench)', time: 200 });
const ours = new Map();
for (const v of await listKernelVariants(['sha256', 'blake3'])) {
  if ('skipped' in v || v.variant !== 'dispatched') continue;
  const k = v.kernel;
  for (const size of [4096, 65536]) {
    const count = Math.max(1, Math.floor((1 << 20) / size));
    const data = randomBytes(count * size);
    const out = new Uint8Array(count * k.digestSize);
    const name = `${v.hash}/${v.backend} (${k.kernel}) leaf ${size} B × ${count}`;
    const fn = () => k.hashBlocks(data, size, NO_PREFIX, out);
    bench.add(name, fn);
    ours.set(name, { bytes: count * size, timing: timeSync(fn, 0.2) });
  }
  const nodes = 4096;
  const level = randomBytes(nodes * 2 * k.digestSize);
  const out = new Uint8Array(nodes * k.digestSize);
  const name = `${v.hash}/${v.backend} (${k.kernel}) node64 × ${nodes}`;
  const fn = () => k.hashPairs(level, nodes, NO_PREFIX, false, out);
  bench.add(name, fn);
  ours.set(name, { bytes: nodes * 64, timing: timeSync(fn, 0.2) });
}
await bench.run();
const rows = bench.tasks.map((task) => {
  const mine = ours.get(task.name);
  const tinySeconds = task.result.latency.p50 / 1e3;
  return {
    task: task.name,
    tinybenchMBps: Number((mine.bytes / tinySeconds / 1e6).toFixed(1)),
    ownLoopMBps: Number((mine.bytes / mine.timing.seconds / 1e6).toFixed(1)),
    ratio: Number((tinySeconds / mine.timing.seconds).toFixed(3)),
  };
});
if (process.argv.includes('--json')) console.log(JSON.stringify(rows, null, 2));
else console.table(rows);
