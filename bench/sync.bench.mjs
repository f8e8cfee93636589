// Sync benchmark: a 1 GiB generated file in 64 KiB blocks, 0.1 % of the blocks changed on the
// local copy, synced from a server on 127.0.0.1 (both in this process, real HTTP).
// Checks: bytes on the wire <= 1.2 x (changed blocks + node hashes a minimal walk needs),
// <= 1 % of a full copy, round trips <= log2(leaves) / levelsPerTrip + 2. Exits 1 if one fails.
//
// Usage: npm run build && node bench/sync.bench.mjs [--size-mib N] [--levels-per-trip 2,4,8]
import { createHash, randomFillSync } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, rm, copyFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { buildTree, startSyncServer, syncFile } = await import(path.join(root, 'dist', 'index.js'));

const { values } = parseArgs({
  options: { 'size-mib': { type: 'string', default: '1024' }, 'levels-per-trip': { type: 'string', default: '4,2,8' } },
});
const kBlockSize = 64 * 1024;
const kBytes = Number(values['size-mib']) * 1024 * 1024;
const kLevelsPerTrip = values['levels-per-trip'].split(',').map(Number);
const kChangedFraction = 0.001;
const kDigestSize = 32;

async function generate(file, bytes) {
  const handle = await open(file, 'w');
  const chunk = Buffer.allocUnsafe(64 * 1024 * 1024);
  for (let at = 0; at < bytes; at += chunk.length) {
    const part = chunk.subarray(0, Math.min(chunk.length, bytes - at));
    randomFillSync(part);
    await handle.write(part, 0, part.length, at);
  }
  await handle.close();
}

/** Flips one byte in each of `blocks` (a second call restores them). */
async function flipBlocks(file, blocks) {
  const handle = await open(file, 'r+');
  const byte = Buffer.alloc(1);
  for (const block of blocks) {
    const at = block * kBlockSize + ((block * 7919) % kBlockSize);
    await handle.read(byte, 0, 1, at);
    byte[0] ^= 0xa5;
    await handle.write(byte, 0, 1, at);
  }
  await handle.close();
}

async function sha256File(file) {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * 1024 * 1024 })) hash.update(chunk);
  return hash.digest('hex');
}

const dir = await mkdtemp(path.join(tmpdir(), 'merkle-sync-bench-'));
const file = (name) => path.join(dir, name);
let failed = false;
try {
  let t = performance.now();
  await generate(file('remote.bin'), kBytes);
  await copyFile(file('remote.bin'), file('local.bin'));
  const leaves = Math.ceil(kBytes / kBlockSize);
  const changedCount = Math.max(1, Math.round(leaves * kChangedFraction));
  // Spread the changed blocks evenly with a fixed stride: no two share a small subtree.
  const changed = Array.from({ length: changedCount }, (_, i) => Math.floor(((i + 0.5) * leaves) / changedCount));
  console.error(`generated ${kBytes} bytes in ${((performance.now() - t) / 1000).toFixed(2)} s`);

  t = performance.now();
  await buildTree(file('remote.bin'), { blockSize: kBlockSize, out: file('remote.mtree') });
  console.error(`remote tree built in ${((performance.now() - t) / 1000).toFixed(2)} s`);
  const server = await startSyncServer({ tree: file('remote.mtree'), data: file('remote.bin') });
  const remoteHash = await sha256File(file('remote.bin'));
  const rows = [];
  try {
    for (const levelsPerTrip of kLevelsPerTrip) {
      await flipBlocks(file('local.bin'), changed);
      await buildTree(file('local.bin'), { blockSize: kBlockSize, out: file('local.mtree') });
      const report = await syncFile(server.url, file('local.bin'), { tree: file('local.mtree'), levelsPerTrip });
      const equal = (await sha256File(file('local.bin'))) === remoteHash;
      const neededBytes = report.blockBytes + report.nodesCompared * kDigestSize;
      const tripBound = Math.log2(leaves) / levelsPerTrip + 2;
      const row = {
        levelsPerTrip,
        leaves,
        changedBlocks: changedCount,
        blocksPatched: report.blocksPatched,
        roundTrips: report.roundTrips,
        roundTripBound: Number(tripBound.toFixed(2)),
        bytesTransferred: report.bytesTransferred,
        payloadBytes: report.payloadBytes,
        blockBytes: report.blockBytes,
        nodesFetched: report.nodesFetched,
        nodesNeeded: report.nodesCompared,
        overVsNeeded: Number((report.bytesTransferred / neededBytes).toFixed(4)),
        ratioToFullCopy: Number(report.ratio.toFixed(6)),
        syncSeconds: Number(report.seconds.toFixed(2)),
        filesEqual: equal,
      };
      const ok =
        equal && report.blocksPatched === changedCount && row.overVsNeeded <= 1.2 && report.ratio <= 0.01 && report.roundTrips <= tripBound;
      row.ok = ok;
      failed ||= !ok;
      rows.push(row);
      console.error(JSON.stringify(row));
    }
  } finally {
    await server.close();
  }
  console.log(JSON.stringify({ cpu: cpus()[0]?.model, bytes: kBytes, blockSize: kBlockSize, rows }, null, 2));
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
