#!/usr/bin/env node
/**
 * Keyed trees: write rates in memory and durable (LMDB, one transaction per batch), bulk load,
 * rebuild from entries, peak RSS, and repairs over loopback HTTP (round trips, bytes per
 * difference, rows moved), on seeded data (bench/keyed-data.mjs). With the peers installed
 * (`npm run bench:peers`), the same figures of @atproto/repo's MST, @canvas-js/okra-memory
 * and negentropy (nostr-tools nip77) in the same run. Run after `npm run build`:
 *   node bench/keyed.bench.mjs [--sizes 10000,100000,1000000] [--updates 100000] [--batch 1000]
 *                              [--d 1,10,1000] [--bucket-bits 16] [--rounds 3] [--no-peers] [--json]
 *                              [--out REPORT.json]
 * Each figure is the median of --rounds runs (default 3), taken in turn. `npm run bench:keyed`
 * writes docs/bench/keyed-report.json and README.md's keyed section from it (bench/keyed-readme.mjs).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { openKeyedTree } from '../dist/keyed/open.js';
import { startKeyedSyncServer } from '../dist/keyed/sync/server.js';
import { syncKeyed } from '../dist/keyed/sync/client.js';
import { differingKeys, indexOf, initialBatches, updateOps, valueOf } from './keyed-data.mjs';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '10000,100000,1000000' },
    updates: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    d: { type: 'string', default: '1,10,1000' },
    rounds: { type: 'string', default: '3' },
    'bucket-bits': { type: 'string', default: '16' },
    'no-peers': { type: 'boolean' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
});
const sizes = values.sizes.split(',').map(Number);
const updates = Number(values.updates);
const batchSize = Number(values.batch);
const differences = values.d.split(',').map(Number);
const rounds = Number(values.rounds);
const bucketBits = Number(values['bucket-bits']);
const log = (line) => values.json || console.error(line);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const seconds = (fn) => {
  const t = performance.now();
  fn();
  return (performance.now() - t) / 1000;
};

async function load(where, n) {
  const tree = await openKeyedTree(where, { bucketBits });
  const loadSeconds = seconds(() => {
    for (const batch of initialBatches(n)) tree.batch(batch);
    tree.root();
  });
  return { tree, loadSeconds };
}

function applyUpdates(tree, ops) {
  return seconds(() => {
    for (let i = 0; i < ops.length; i += batchSize) tree.batch(ops.slice(i, i + batchSize));
    tree.root();
  });
}

async function writeFigures(n) {
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
  return {
    keys: n,
    bucketBits,
    updates,
    batch: batchSize,
    memoryUpdatesPerSecond: Math.round(median(memory)),
    durableUpdatesPerSecond: Math.round(median(durable)),
    memoryLoadSeconds: +median(loads.memory).toFixed(3),
    durableLoadSeconds: +median(loads.durable).toFixed(3),
    rebuildSeconds: +median(rebuild).toFixed(3),
  };
}

/**
 * repairFigures: replica B is replica A (n keys) after d seeded changes; B repairs itself from A
 * over loopback HTTP. Protocol bytes are the request and answer bodies less the row values
 * (which any repair must move); wire bytes include HTTP headers.
 */
async function repairFigures(n, ds) {
  const served = (await load(undefined, n)).tree;
  const valueAt = (i) => (i < n ? Buffer.from(valueOf(i, 0)) : undefined);
  const rows = { rows: (keys) => keys.map((key) => valueAt(indexOf(Buffer.from(key).toString('latin1')))) };
  const server = await startKeyedSyncServer({ tree: served, rows });
  const out = [];
  try {
    for (const d of ds) {
      const local = (await load(undefined, n)).tree;
      const ops = updateOps(n, d, 7 * n + d);
      local.batch(ops);
      const differing = differingKeys(n, ops);
      let moved = 0;
      const t = performance.now();
      const report = await syncKeyed(server.url, local, { apply: (changes) => (moved += changes.length) });
      const elapsed = (performance.now() - t) / 1000;
      if (report.root !== Buffer.from(served.root()).toString('hex')) throw new Error(`repair of ${n} keys, d = ${d}: roots differ after the repair`);
      const protocolBytes = report.payloadBytes - report.rowBytes;
      out.push({
        keys: n,
        d,
        differingKeys: differing,
        method: report.method,
        roundTrips: report.roundTrips,
        rowsMoved: moved,
        protocolBytes,
        bytesPerDifference: Math.round(protocolBytes / differing),
        wireBytesPerDifference: Math.round((report.wireBytes - report.rowBytes) / differing),
        rowBytes: report.rowBytes,
        seconds: +elapsed.toFixed(3),
      });
      local.close();
      log(JSON.stringify(out.at(-1)));
    }
  } finally {
    await server.close();
    served.close();
  }
  return out;
}

async function peerFigures() {
  if (values['no-peers']) return { skipped: '--no-peers' };
  let peers;
  try {
    peers = await import('./keyed-peers.mjs');
  } catch (error) {
    return { skipped: `peers not installed (npm run bench:peers): ${error.message.split('\n')[0]}` };
  }
  const writes = [];
  const repairs = [];
  for (const n of sizes) {
    for (const row of await peers.peerUpdateRates({ n, updates, batch: batchSize, seed: n })) writes.push({ keys: n, ...row });
    for (const d of differences) repairs.push(await peers.negentropyRepair({ n, d, seed: 7 * n + d }));
    log(JSON.stringify({ peers: n }));
  }
  return { writes, repairs };
}

const writes = [];
const repairs = [];
for (const n of sizes) {
  writes.push(await writeFigures(n));
  log(JSON.stringify(writes.at(-1)));
  repairs.push(...(await repairFigures(n, differences)));
}
const peers = await peerFigures();
const peakRssMiB = Math.round(process.resourceUsage().maxRSS / 1024);
const environment = { node: process.version, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length };
const report = { date: new Date().toISOString(), environment, rounds, bucketBits, updates, batch: batchSize, writes, repairs, peers, peakRssMiB };
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (values.json) console.log(JSON.stringify(report, null, 2));
else {
  console.log(`bucket bits ${bucketBits}`);
  console.log(`| keys | updates/s in memory | updates/s durable (batches of ${batchSize}) | load in memory (s) | load durable (s) | rebuild (s) |`);
  console.log('|---|---|---|---|---|---|');
  for (const r of writes) console.log(`| ${r.keys} | ${r.memoryUpdatesPerSecond} | ${r.durableUpdatesPerSecond} | ${r.memoryLoadSeconds} | ${r.durableLoadSeconds} | ${r.rebuildSeconds} |`);
  console.log('\n| keys | d | differing keys | round trips | rows moved | bytes per difference (bodies, less rows) | with HTTP headers |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of repairs) console.log(`| ${r.keys} | ${r.d} | ${r.differingKeys} | ${r.roundTrips} | ${r.rowsMoved} | ${r.bytesPerDifference} | ${r.wireBytesPerDifference} |`);
  console.log(`\npeers: ${JSON.stringify(peers)}`);
  console.log(`peak RSS ${peakRssMiB} MiB`);
}
