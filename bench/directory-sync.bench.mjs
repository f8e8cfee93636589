// Directory sync against rsync on the same change set, in one run: a seeded source tree (many
// small files and some large ones), two copies made with cp -a, then 1 % of the files changed in
// a few places, 0.1 % added, 0.1 % removed; `merkle sync URL DIR --delete` (over `merkle serve`,
// loopback HTTP) brings one copy up to date and `rsync -a --delete --stats` over a loopback rsync
// daemon the other. Reported: bytes on the wire (ours counts HTTP headers too; rsync's are its
// "Total bytes sent/received"), round trips, seconds; both copies are compared with the source.
//
//   node bench/directory-sync.bench.mjs [--dir /tmp/merkle-sync-bench] [--files 10000]
//        [--large-files 20] [--block-size 65536] [--out FILE.json]
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { byteStream, filePath, makeTree, seededRandom } from './directory-data.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const merkle = path.join(root, 'bin', 'merkle.cjs');
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(os.tmpdir(), 'merkle-sync-bench') },
    files: { type: 'string', default: '10000' },
    'large-files': { type: 'string', default: '20' },
    'block-size': { type: 'string', default: '65536' },
    out: { type: 'string' },
  },
});
const files = Number(values.files);
const largeFiles = Number(values['large-files']);
const base = values.dir;
const source = path.join(base, 'source');
const run = (command, args, options = {}) => {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 1 << 28, ...options });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.status} ${result.stderr}`);
  return result.stdout;
};
const freePort = () => new Promise((resolve) => { const s = net.createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); }); });
const waitForPort = async (port) => {
  for (let i = 0; i < 100; i++) {
    const ok = await new Promise((resolve) => { const c = net.connect(port, '127.0.0.1', () => { c.end(); resolve(true); }); c.on('error', () => resolve(false)); });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nothing listens on ${port}`);
};

rmSync(base, { recursive: true, force: true });
mkdirSync(base, { recursive: true });
makeTree(path.join(source, 'small'), { files, minBytes: 0, maxBytes: 64 * 1024, perDirectory: 100, seed: 11 });
makeTree(path.join(source, 'large'), { files: largeFiles, minBytes: 1 << 20, maxBytes: 16 << 20, perDirectory: 10, seed: 12 });
for (const copy of ['ours', 'rsync']) run('cp', ['-a', source, path.join(base, copy)]);

// The change set, seeded: 1 % of the files changed at a few places, 0.1 % added, 0.1 % removed.
const random = seededRandom(13);
const bytes = byteStream(13);
const all = [...Array.from({ length: files }, (_, i) => filePath(path.join(source, 'small'), i, 100)), ...Array.from({ length: largeFiles }, (_, i) => filePath(path.join(source, 'large'), i, 10))];
const pick = () => all[Math.floor(random() * all.length)];
const changed = new Set();
while (changed.size < Math.max(1, Math.round(all.length / 100))) changed.add(pick());
for (const file of changed) {
  const data = readFileSync(file);
  if (data.length === 0) continue;
  for (let k = 0; k < 3; k++) data[Math.floor(random() * data.length)] ^= 0xff;
  writeFileSync(file, data);
}
const removed = new Set();
while (removed.size < Math.max(1, Math.round(all.length / 1000))) { const f = pick(); if (!changed.has(f)) removed.add(f); }
for (const file of removed) rmSync(file);
const added = Math.max(1, Math.round(all.length / 1000));
for (let i = 0; i < added; i++) writeFileSync(path.join(source, 'small', `added-${i}.bin`), bytes.take(Math.floor(random() * 65536)));

// Ours.
const treeDir = path.join(base, 'source.tree');
run(process.execPath, [merkle, 'build', source, '-o', treeDir, '--block-size', values['block-size']]);
const server = spawn(process.execPath, [merkle, 'serve', treeDir, '--data', source, '--json'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve) => server.stdout.once('data', (chunk) => resolve(JSON.parse(chunk.toString()).url)));
let started = process.hrtime.bigint();
const ours = JSON.parse(run(process.execPath, [merkle, 'sync', url, path.join(base, 'ours'), '--delete', '--json']));
const oursSeconds = Number(process.hrtime.bigint() - started) / 1e9;
server.kill('SIGTERM');

// rsync, over its own daemon on loopback.
const port = await freePort();
const config = path.join(base, 'rsyncd.conf');
writeFileSync(config, `port = ${port}\nuse chroot = false\nuid = root\ngid = root\n[source]\npath = ${source}\nread only = true\n`);
const daemon = spawn('rsync', ['--daemon', '--no-detach', `--config=${config}`, '--address=127.0.0.1'], { stdio: 'inherit' });
await waitForPort(port);
started = process.hrtime.bigint();
const stats = run('rsync', ['-a', '--delete', '--stats', `rsync://127.0.0.1:${port}/source/`, `${path.join(base, 'rsync')}/`]);
const rsyncSeconds = Number(process.hrtime.bigint() - started) / 1e9;
daemon.kill('SIGTERM');
const figure = (label) => Number(new RegExp(`${label}: ([\\d,]+)`).exec(stats)[1].replace(/,/g, ''));
const rsyncBytes = figure('Total bytes sent') + figure('Total bytes received');

const identical = (copy) => spawnSync('diff', ['-r', '--no-dereference', source, path.join(base, copy)]).status === 0;
const report = {
  files: all.length, changed: changed.size, added, removed: removed.size, blockSize: Number(values['block-size']),
  ours: { wireBytes: ours.wireBytes, roundTrips: ours.roundTrips, seconds: oursSeconds, blocksFetched: ours.blocksFetched, identical: identical('ours') },
  rsync: { wireBytes: rsyncBytes, seconds: rsyncSeconds, identical: identical('rsync') },
  ratio: ours.wireBytes / rsyncBytes,
};
console.log(JSON.stringify(report, null, 2));
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
