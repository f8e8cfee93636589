// Directory trees against the tools users would run on the same files, whole commands, in one
// run: `merkle build DIR` (b3tree and the default rfc9162/sha256) against `find DIR -type f
// -print0 | xargs -0 b3sum` and `… sha256sum`, on seeded trees of many small files and of
// fewer large ones; then a rescan (`--update`) after 0.1 % of the small files changed, against
// the full build. Rounds are taken in turn (each tool once per round) and the medians reported.
//
//   node bench/directory.bench.mjs [--dir /tmp/merkle-dir-bench] [--small-files 100000]
//        [--large-files 100] [--rounds 3] [--out docs/bench/directory-report.json]
//        [--readme README.md]   (rewrites the table between the directory-bench markers)
import { spawnSync } from 'node:child_process';
import { writeFileSync, readFileSync, mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { byteStream, filePath, makeTree, seededRandom } from './directory-data.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const merkle = path.join(root, 'bin', 'merkle.cjs');
const { values } = parseArgs({
  options: {
    dir: { type: 'string', default: path.join(os.tmpdir(), 'merkle-dir-bench') },
    'small-files': { type: 'string', default: '100000' },
    'large-files': { type: 'string', default: '100' },
    rounds: { type: 'string', default: '3' },
    out: { type: 'string' },
    readme: { type: 'string' },
  },
});
const rounds = Number(values.rounds);
const datasets = [
  { name: 'small', files: Number(values['small-files']), minBytes: 0, maxBytes: 64 * 1024, perDirectory: 100, seed: 1 },
  { name: 'large', files: Number(values['large-files']), minBytes: 1024 * 1024, maxBytes: 64 * 1024 * 1024, perDirectory: 10, seed: 2 },
];

function timed(command) {
  const started = process.hrtime.bigint();
  const run = spawnSync('sh', ['-c', command], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) throw new Error(`${command}: exit ${run.status}: ${run.stderr.toString().slice(-500)}`);
  return { seconds, stdout: run.stdout.toString() };
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const have = (tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

const report = { machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version }, rounds, datasets: [], update: undefined };
mkdirSync(values.dir, { recursive: true });
for (const shape of datasets) {
  const dir = path.join(values.dir, shape.name);
  const made = makeTree(dir, shape);
  const bytes = Number(timed(`du -sb --apparent-size '${dir}' | cut -f1`).stdout);
  const tools = [
    ['merkle b3tree', `node '${merkle}' build '${dir}' --profile b3tree`],
    ...(have('b3sum')
      ? [
          ['b3sum', `find '${dir}' -type f -print0 | xargs -0 b3sum > /dev/null`],
          // b3sum maps files of 16 KiB and more; where unmapping is slow, reading can win.
          ['b3sum --no-mmap', `find '${dir}' -type f -print0 | xargs -0 b3sum --no-mmap > /dev/null`],
        ]
      : []),
    ['merkle sha256', `node '${merkle}' build '${dir}'`],
    ['sha256sum', `find '${dir}' -type f -print0 | xargs -0 sha256sum > /dev/null`],
  ];
  // One untimed pass of each: the tree is read into the page cache as every tool will see it.
  for (const [, command] of tools) timed(command);
  const times = Object.fromEntries(tools.map(([name]) => [name, []]));
  for (let r = 0; r < rounds; r++) for (const [name, command] of tools) times[name].push(timed(command).seconds);
  const rows = Object.fromEntries(
    tools.map(([name]) => {
      const seconds = median(times[name]);
      return [name, { seconds, filesPerSecond: Math.round(shape.files / seconds), megabytesPerSecond: Math.round(bytes / seconds / 1e6), all: times[name] }];
    }),
  );
  // Each of ours against the faster way of running its peer, in files/s (higher is better for us).
  const ratio = (ours, ...peers) => {
    const fastest = Math.min(...peers.filter((p) => rows[p]).map((p) => rows[p].seconds));
    return rows[ours] && Number.isFinite(fastest) ? fastest / rows[ours].seconds : null;
  };
  report.datasets.push({ ...shape, bytes, generated: made.made, rows, ratios: { b3treeVsB3sum: ratio('merkle b3tree', 'b3sum', 'b3sum --no-mmap'), sha256VsSha256sum: ratio('merkle sha256', 'sha256sum') } });
  console.log(`${shape.name}: ${shape.files} files, ${(bytes / 1e9).toFixed(2)} GB`);
  for (const [name, row] of Object.entries(rows)) console.log(`  ${name.padEnd(14)} ${row.seconds.toFixed(3)} s  ${row.filesPerSecond} files/s  ${row.megabytesPerSecond} MB/s`);
}

// The rescan: 0.1 % of the small files rewritten (same sizes, new bytes) before each timed update.
const small = datasets[0];
const smallDir = path.join(values.dir, small.name);
const treeDir = path.join(values.dir, 'small.tree');
rmSync(treeDir, { recursive: true, force: true });
timed(`node '${merkle}' build '${smallDir}' -o '${treeDir}'`);
const changed = Math.max(1, Math.round(small.files / 1000));
const random = seededRandom(99);
const bytes = byteStream(99);
const updates = [];
const fulls = [];
for (let r = 0; r < rounds; r++) {
  for (let k = 0; k < changed; k++) {
    const file = filePath(smallDir, Math.floor(random() * small.files), small.perDirectory);
    writeFileSync(file, bytes.take(readFileSync(file).length));
  }
  const update = timed(`node '${merkle}' build '${smallDir}' --update '${treeDir}' --json`);
  const summary = JSON.parse(update.stdout);
  updates.push({ seconds: update.seconds, hashedFiles: summary.hashedFiles, reused: summary.reused });
  fulls.push(timed(`node '${merkle}' build '${smallDir}'`).seconds);
}
const updateSeconds = median(updates.map((u) => u.seconds));
const fullSeconds = median(fulls);
report.update = { changedFiles: changed, updateSeconds, fullSeconds, fraction: updateSeconds / fullSeconds, runs: updates, fulls };
console.log(`update after ${changed} changed files: ${updateSeconds.toFixed(3)} s against a full build's ${fullSeconds.toFixed(3)} s (${((100 * updateSeconds) / fullSeconds).toFixed(1)} %)`);
if (values.out) writeFileSync(values.out, `${JSON.stringify(report, null, 2)}\n`);
if (values.readme) writeFileSync(values.readme, withReadmeTable(readFileSync(values.readme, 'utf8'), report));

/** withReadmeTable puts the report's figures between README's directory-bench markers. */
function withReadmeTable(readme, r) {
  const lines = [
    `Measured by \`node bench/directory.bench.mjs\` on this project's machine (${r.machine.cpus} cores, ${r.machine.model}), whole commands, page-cached trees, medians of ${r.rounds} rounds taken in turn:`,
    '',
    '| tree | command | seconds | files/s | MB/s | ours ÷ the faster peer (files/s) |',
    '|---|---|---|---|---|---|',
  ];
  for (const d of r.datasets) {
    const label = `${d.files.toLocaleString('en')} files of ${formatSize(d.minBytes)}–${formatSize(d.maxBytes)} (${(d.bytes / 1e9).toFixed(1)} GB)`;
    const against = { 'merkle b3tree': d.ratios.b3treeVsB3sum, 'merkle sha256': d.ratios.sha256VsSha256sum };
    for (const [name, row] of Object.entries(d.rows)) {
      const ratio = against[name];
      lines.push(`| ${label} | ${name} | ${row.seconds.toFixed(2)} | ${row.filesPerSecond.toLocaleString('en')} | ${row.megabytesPerSecond.toLocaleString('en')} | ${ratio == null ? '' : `${ratio.toFixed(2)}×`} |`);
    }
  }
  const u = r.update;
  lines.push('', `A rescan (\`--update\`) after ${u.changedFiles} of the small files changed: ${u.updateSeconds.toFixed(2)} s, ${(100 * u.fraction).toFixed(1)} % of a full build (${u.fullSeconds.toFixed(2)} s).`);
  const start = '<!-- directory-bench:start -->';
  const end = '<!-- directory-bench:end -->';
  const from = readme.indexOf(start);
  const to = readme.indexOf(end);
  if (from < 0 || to < from) throw new Error('README has no directory-bench markers');
  return `${readme.slice(0, from + start.length)}\n${lines.join('\n')}\n${readme.slice(to)}`;
}

function formatSize(bytes) {
  if (bytes === 0) return '0';
  return bytes >= 1024 * 1024 ? `${bytes / (1024 * 1024)} MiB` : `${bytes / 1024} KiB`;
}
