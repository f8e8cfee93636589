// Queue builds on this machine, in one run (docs/distributed.md):
//  1. a 1 GiB page-cached file built on the queue by 1 worker process and by 2 (one hashing
//     thread each), against a local `buildTree(file, { threads: 2 })` (merkle build --threads 2),
//     timed in turn round by round (A B C A B C …), medians;
//  2. the coordinator's throughput: 32 queue workers (two processes of 16, each its own BullMQ
//     Worker and Redis connections) hashing tiny segments, from queueing to the tree file.
// Needs `npm run build` and redis-server. `node bench/queue.bench.mjs [--rounds N] [--out FILE.json]`
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync, closeSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnQueue, buildTree } from '../dist/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rounds = Number(args[args.indexOf('--rounds') + 1] ?? 7) || 7;
const outFile = args.includes('--out') ? args[args.indexOf('--out') + 1] : undefined;
// --range-mib N: the 1 GiB queue builds' --range-size (default: the engine's own).
const rangeSize = args.includes('--range-mib') ? Number(args[args.indexOf('--range-mib') + 1]) * 1024 * 1024 : undefined;
const dir = mkdtempSync(path.join(tmpdir(), 'merkle-queue-bench-'));
const children = [];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function spawnReady(command, argv, marker) {
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let seen = '';
    const look = (chunk) => {
      seen += chunk.toString();
      if (seen.includes(marker)) resolve(child);
    };
    child.stdout.on('data', look);
    child.stderr.on('data', look);
    child.once('exit', (code) => reject(new Error(`${command} ${argv.join(' ')} exited ${code}: ${seen}`)));
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  await spawnReady('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], 'Ready to accept connections');

  // 1 GiB of pseudo-random bytes, written once and read once so it is page-cached.
  const big = path.join(dir, 'big.bin');
  const fd = openSync(big, 'w');
  const chunk = new Uint8Array(16 * 1024 * 1024);
  for (let i = 0; i < chunk.length; i += 4) new DataView(chunk.buffer).setUint32(i, Math.imul(i + 1, 2654435761));
  for (let i = 0; i < 64; i++) {
    chunk[0] = i;
    writeSync(fd, chunk);
  }
  closeSync(fd);
  readFileSync(big);

  const worker = (queueName) => spawnReady(process.execPath, [path.join(root, 'bin', 'merkle.cjs'), 'worker', '--queue', url, '--queue-name', queueName, '--threads', '1'], 'waiting for jobs');
  await worker('one');
  await Promise.all([worker('two'), worker('two')]);

  // local1 calibrates the machine: what one hashing thread does here, beside the other rows.
  const rows = { local1: [], local2: [], queue1: [], queue2: [], queue2out: [] };
  const roots = new Set();
  const time = async (name, run) => {
    const started = performance.now();
    const built = await run();
    rows[name].push((performance.now() - started) / 1000);
    roots.add(built.rootHex);
  };
  // A warm-up of each, untimed: pools, kernels, page cache, connections.
  await buildTree(big, { threads: 2 });
  await buildOnQueue(big, { queue: url, queueName: 'one', rangeSize });
  await buildOnQueue(big, { queue: url, queueName: 'two', rangeSize });
  for (let r = 0; r < rounds; r++) {
    await time('local1', () => buildTree(big, { threads: 1 }));
    await time('local2', () => buildTree(big, { threads: 2 }));
    await time('queue1', () => buildOnQueue(big, { queue: url, queueName: 'one', rangeSize }));
    await time('queue2', () => buildOnQueue(big, { queue: url, queueName: 'two', rangeSize }));
    await time('queue2out', () => buildOnQueue(big, { queue: url, queueName: 'two', rangeSize, out: path.join(dir, 'big.mtree') }));
  }
  if (roots.size !== 1) throw new Error(`the builds disagree on the root: ${[...roots].join(', ')}`);

  // What the combine adds after the last range is hashed: 1 GiB at 4 KiB blocks with a tree file
  // (16 MiB of levels through Redis; 64 KiB blocks carry 16 times fewer), 2 workers, 3 runs.
  const levels = [];
  for (let r = 0; r < 3; r++) {
    const built = await buildOnQueue(big, { queue: url, queueName: 'two', blockSize: 4096, out: path.join(dir, 'big4k.mtree') });
    levels.push(built.combine);
  }
  const combineMedian = median(levels.map((c) => c.tailSeconds));

  // The coordinator with 32 workers on tiny segments (4 KiB: four 1 KiB leaves), 8 a job, with a tree file.
  const tiny = path.join(dir, 'tiny.bin');
  const segments = 40_000;
  writeFileSync(tiny, new Uint8Array(segments * 4096).map((_, i) => (i * 31) & 255));
  await Promise.all([0, 1].map(() => spawnReady(process.execPath, [path.join(root, 'bench', 'queue-workers-child.mjs'), url, 'many', '16'], 'ready')));
  const tinyOptions = { queue: url, queueName: 'many', blockSize: 1024, segmentSize: 4096, rangeSize: 8 * 4096, out: path.join(dir, 'tiny.mtree') };
  // In turn: with a tree file (every segment level travels through Redis) and roots only.
  const coordinator = [];
  const rootsOnly = [];
  for (let r = 0; r < 3; r++) {
    rmSync(tinyOptions.out, { force: true });
    let started = performance.now();
    const built = await buildOnQueue(tiny, tinyOptions);
    coordinator.push({ seconds: (performance.now() - started) / 1000, ranges: built.ranges, workers: Object.keys(built.workers).length });
    started = performance.now();
    await buildOnQueue(tiny, { ...tinyOptions, out: undefined });
    rootsOnly.push((performance.now() - started) / 1000);
  }
  const local = await buildTree(tiny, { blockSize: 1024, out: path.join(dir, 'tiny.local.mtree') });
  const sameTree = readFileSync(tinyOptions.out).equals(readFileSync(path.join(dir, 'tiny.local.mtree')));

  const m = { local1: median(rows.local1), local2: median(rows.local2), queue1: median(rows.queue1), queue2: median(rows.queue2), queue2out: median(rows.queue2out) };
  const coordSeconds = median(coordinator.map((c) => c.seconds));
  const report = {
    machine: { cores: (await import('node:os')).availableParallelism(), note: 'shared with other work; A/B/C in turn, medians' },
    rounds,
    rangeSize: rangeSize ?? 'default',
    gib: { seconds: m, rawSeconds: rows, scaling2over1: m.queue1 / m.queue2, localScaling2over1: m.local1 / m.local2, queue2OverLocal2: m.local2 / m.queue2, mbPerSecond: { local2: 1024 / m.local2 * 1.048576, queue1: 1024 / m.queue1 * 1.048576, queue2: 1024 / m.queue2 * 1.048576 } },
    combineLevels: { runs: levels, resultBytes: levels[0].resultBytes, tailSeconds: combineMedian, commitSeconds: median(levels.map((c) => c.commitSeconds)) },
    coordinatorRootsOnly: { seconds: rootsOnly, segmentsPerSecond: segments / median(rootsOnly) },
    coordinator: { segments, ranges: coordinator[0].ranges, workersSeen: coordinator.map((c) => c.workers), seconds: coordinator.map((c) => c.seconds), segmentsPerSecond: segments / coordSeconds, jobsPerSecond: coordinator[0].ranges / coordSeconds, treeFileEqualsLocal: sameTree, root: local.rootHex },
    targets: {
      'queue, 2 workers / 1 worker >= 1.8': m.queue1 / m.queue2 >= 1.8,
      'queue, 2 workers >= 0.9 x local --threads 2': m.local2 / m.queue2 >= 0.9,
      'coordinator >= 2000 segments/s with 32 workers': segments / coordSeconds >= 2000,
    },
  };
  const text = JSON.stringify(report, null, 2);
  console.log(text);
  if (outFile) writeFileSync(outFile, `${text}\n`);
} finally {
  for (const child of children.reverse()) {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', resolve)));
  }
  rmSync(dir, { recursive: true, force: true });
}
