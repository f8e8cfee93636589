#!/usr/bin/env node
/**
 * Keyed trees: write rates in memory and durable (LMDB, one transaction per batch), bulk load,
 * rebuild from entries, and peak RSS, on seeded data. Run after `npm run build`:
 *   node bench/keyed.bench.mjs [--sizes 10000,100000,1000000] [--updates 100000] [--batch 1000]
 *                              [--bucket-bits 16] [--rounds 3] [--json]
 * Each figure is the median of --rounds runs (default 3), taken in turn.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openKeyedTree } from '../dist/keyed/open.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    updates: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    'bucket-bits': { type: 'string', default: '16' },
    json: { type: 'boolean' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const updates = Number(values.updates);
const batchSize = Number(values.batch);
const rounds = Number(values.rounds);
const bucketBits = Number(values['bucket-bits']);

/** xorshift32: the same data on every run. */
function rng(seed) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}
const keyOf = (i) => `row:${String(i).padStart(9, '0')}`;
const valueOf = (i, version) => `value-${i}-${version}-${'x'.repeat(40)}`;

function initialOps(n) {
  return Array.from({ length: n }, (_, i) => ({ type: 'put', key: keyOf(i), value: valueOf(i, 0) }));
}

/** updateOps mixes updates (60 %), inserts (20 %) and deletes (20 %) over a set of n keys. */
function updateOps(n, count, seed) {
  const next = rng(seed);
  return Array.from({ length: count }, (_, j) => {
    const roll = next() % 10;
    if (roll < 6) return { type: 'put', key: keyOf(next() % n), value: valueOf(j, 1) };
    if (roll < 8) return { type: 'put', key: keyOf(n + j), value: valueOf(n + j, 0) };
    return { type: 'delete', key: keyOf(next() % n) };
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (fn) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

async function load(where, n) {
  const tree = await openKeyedTree(where, { bucketBits });
  const ops = initialOps(n);
  const t = seconds(() => {
    for (let i = 0; i < ops.length; i += 16384) tree.batch(ops.slice(i, i + 16384));
    tree.root();
  });
  return { tree, loadSeconds: t };
}

function applyUpdates(tree, ops) {
  return seconds(() => {
    for (let i = 0; i < ops.length; i += batchSize) tree.batch(ops.slice(i, i + batchSize));
    tree.root();
  });
}

const rows = [];
for (const n of sizes) {
  const ops = updateOps(n, updates, n);
  const memory = [];
  const durable = [];
  const rebuild = [];
  const loads = { memory: [], durable: [] };
  for (let round = 0; round < rounds; round++) {
    const inMemory = await load(undefined, n);
    loads.memory.push(inMemory.loadSeconds);
    memory.push(updates / applyUpdates(inMemory.tree, ops));
    rebuild.push(seconds(() => inMemory.tree.rebuild()));
    inMemory.tree.close();

    const dir = mkdtempSync(path.join(tmpdir(), 'keyed-bench-'));
    try {
      const onDisk = await load(path.join(dir, 'tree'), n);
      loads.durable.push(onDisk.loadSeconds);
      durable.push(updates / applyUpdates(onDisk.tree, ops));
      onDisk.tree.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  rows.push({
    keys: n,
    bucketBits,
    updates,
    batch: batchSize,
    memoryUpdatesPerSecond: Math.round(median(memory)),
    durableUpdatesPerSecond: Math.round(median(durable)),
    memoryLoadSeconds: +median(loads.memory).toFixed(3),
    durableLoadSeconds: +median(loads.durable).toFixed(3),
    rebuildSeconds: +median(rebuild).toFixed(3),
  });
  if (!values.json) console.error(JSON.stringify(rows.at(-1)));
}
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const report = { date: new Date().toISOString(), rounds, bucketBits, rows, peakRssMiB };
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`bucket bits ${bucketBits}`);
  console.log('| keys | updates/s in memory | updates/s durable (batches of %d) | load in memory (s) | load durable (s) | rebuild (s) |', batchSize);
  console.log('|---|---|---|---|---|---|');
  for (const r of rows) console.log(`| ${r.keys} | ${r.memoryUpdatesPerSecond} | ${r.durableUpdatesPerSecond} | ${r.memoryLoadSeconds} | ${r.durableLoadSeconds} | ${r.rebuildSeconds} |`);
  console.log(`peak RSS ${peakRssMiB} MiB`);
}
