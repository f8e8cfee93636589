/**
 * Turns one run (environment, rows, targets) into the report files: report.json, report.md
 * and the SVG charts. Every figure printed comes from the rows; nothing is typed in.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { BenchEnvironment } from './environment.js';
import type { BenchRow } from './results.js';
import { renderLineChart, type ChartSeries } from './svg.js';
import type { TargetResult } from './targets.js';

export interface BenchReport {
  readonly formatVersion: 1;
  readonly preset: string;
  readonly environment: BenchEnvironment;
  readonly rows: BenchRow[];
  readonly targets: TargetResult[];
  readonly seconds: number;
  /** 1-minute load average when the run ended (see BenchEnvironment.loadAverageAtStart). */
  readonly loadAverageAtEnd: number;
}

export function formatBytes(n: number): string {
  if (n >= 1 << 30 && n % (1 << 30) === 0) return `${n / (1 << 30)} GiB`;
  if (n >= 1 << 20 && n % (1 << 20) === 0) return `${n / (1 << 20)} MiB`;
  if (n >= 1024 && n % 1024 === 0) return `${n / 1024} KiB`;
  return `${n} B`;
}
const mbps = (r: BenchRow) => (r.bytesPerSecond === undefined ? '' : (r.bytesPerSecond / 1e6).toFixed(1));
const mhps = (r: BenchRow) => (r.hashesPerSecond === undefined ? '' : (r.hashesPerSecond / 1e6).toFixed(3));
const ms = (s: number | undefined) => (s === undefined ? '' : (s * 1e3).toFixed(3));

/** A cell's own `|` (a shell pipeline in a figure) would end the cell: escape it. */
const cell = (text: string) => text.replaceAll('|', '\\|');

function table(header: string[], body: string[][]): string {
  return [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`, ...body.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** environmentLines describes the machine and the dispatched kernels in a few markdown lines. */
export function environmentLines(env: BenchEnvironment, preset: string): string[] {
  const kernels = env.backends.map((b) => `${b.hash}: auto=${b.auto ?? 'none'} (${b.backends.filter((k) => k.kernel).map((k) => `${k.backend}=${k.kernel}`).join(', ')})`);
  return [
    `- Date: ${env.date} — preset \`${preset}\``,
    `- CPU: ${env.cpuModel}, ${env.cores} cores; flags: ${env.cpuFlags.join(' ') || 'unknown'}; memory ${formatBytes(Math.round(env.memoryBytes / 2 ** 20) * 2 ** 20)}`,
    `- Node ${env.node} on ${env.platform}; default threads ${env.threads}`,
    `- Dispatched kernels: ${kernels.join('; ')}`,
    `- Load average (1 min) at start: ${env.loadAverageAtStart.toFixed(2)}${env.loadAverageAtStart > env.cores / 4 ? ' — **other processes were using the cores: all figures, ours and the peers\', are lower and noisier than on an idle machine**' : ''}`,
  ];
}

export function targetTable(targets: readonly TargetResult[]): string {
  return table(['target', 'status', 'ratio (threshold)', 'figures'], targets.map((t) => [
    t.target,
    t.status === 'met' ? '**met**' : t.status === 'not met' ? '**not met**' : 'not measured',
    t.ratio === undefined ? '' : `${t.ratio.toFixed(3)} (${Number((t.threshold ?? 0).toFixed(3))})`,
    t.detail,
  ]));
}

function renderMarkdown(report: BenchReport): string {
  const { rows } = report;
  const live = rows.filter((r) => !r.skipped);
  const out: string[] = ['# merkle-engine benchmark report', '', ...environmentLines(report.environment, report.preset), `- Run time: ${report.seconds.toFixed(0)} s; load average at end: ${report.loadAverageAtEnd.toFixed(2)}`, ''];
  out.push('All figures are from this one run on this machine; ratios compare figures of the same run.', '');
  out.push('Method: each figure is the median over many short samples (about 0.5 ms each, so a sample a preempting process lands in is dropped by the median) within a time budget per figure, after a warm-up. Inputs are random bytes at a random offset within a page. Kernel leaf rows hash without a domain prefix (as `openssl speed` does); node65 rows use the RFC 9162 0x01 prefix. Peers that have no batch call are timed one hash per call. File builds read a page-cached file (dd read it first) in this process: one uncounted build of each shape first (it starts the warm worker pool that the file builds of a process share), then the shapes (block size × threads) take turns run by run and each figure is its median; `command` rows time whole `merkle build` processes, start-up included, alternating with `b3sum` (where NODE_EXTRA_CA_CERTS is set, which makes every Node process parse that certificate file first — `node -e 0` 0.060 s with this machine\'s bundle, 0.024 s without — each round also runs our command without it, as a separate row; targets are judged on the rows taken as the environment is); streaming builds run in a child process so its peak RSS is that build\'s own.', '');
  out.push('## Targets', '', targetTable(report.targets), '');
  out.push('## Kernels', '', 'Leaves: MB/s (10^6 bytes/s) with no domain prefix; nodes: millions of hashes/s (node65 = RFC 9162 0x01 prefix).', '');
  out.push(table(['implementation', 'kernel', 'test', 'size', 'mode', 'MB/s', 'M hashes/s'],
    live.filter((r) => r.suite === 'kernels' || r.suite === 'peers').map((r) => [r.implementation, r.kernel ?? '', r.test, r.size === undefined ? '' : formatBytes(r.size), `${r.mode ?? ''}${r.threads && r.threads > 1 ? ` ×${r.threads}` : ''}`, mbps(r), mhps(r)])));
  out.push('', '## Trees', '');
  out.push(table(['test', 'implementation', 'kernel', 'block', 'leaves', 'data', 'threads', 'seconds', 'MB/s', 'notes'],
    live.filter((r) => r.suite === 'trees').map((r) => [r.test, r.implementation, r.kernel ?? '', r.size === undefined ? '' : formatBytes(r.size), r.leaves === undefined ? '' : String(r.leaves), r.bytes === undefined ? '' : formatBytes(r.bytes), r.threads === undefined ? '' : String(r.threads), r.seconds === undefined ? '' : r.seconds.toFixed(4), mbps(r), notes(r)])));
  out.push('', '## Overhead ratios', '');
  out.push(table(['ratio', 'implementation', 'block', 'threads', 'value', 'figures'],
    live.filter((r) => r.suite === 'overhead').map((r) => [r.test, r.implementation, r.size === undefined ? '' : formatBytes(r.size), r.threads === undefined ? '' : String(r.threads), (r.extra!['ratio'] as number).toFixed(4), notes(r)])));
  const skipped = rows.filter((r) => r.skipped);
  if (skipped.length) {
    out.push('', '## Skipped', '', ...skipped.map((r) => `- ${r.suite} ${r.implementation}${r.size ? ` ${formatBytes(r.size)}` : ''}${r.threads ? ` ×${r.threads}` : ''}: skipped: ${r.skipped}`));
  }
  out.push('', '## Charts', '', '![SHA-256 throughput vs size](sha256-throughput.svg)', '', '![BLAKE3 throughput vs size](blake3-throughput.svg)', '', '![Scaling vs threads](thread-scaling.svg)', '');
  return `${out.join('\n')}\n`;
}

/** formatExtra prints an `extra` figure in the unit its name ends with. */
function formatExtra(key: string, value: number): string {
  if (/Seconds$/.test(key)) return value >= 1 ? `${value.toFixed(1)} s` : `${ms(value)} ms`;
  if (/Bytes$/.test(key)) return value >= 2 ** 20 ? `${(value / 2 ** 20).toFixed(1)} MiB` : formatBytes(Math.round(value));
  if (/PerSecond$/.test(key)) return `${(value / 1e6).toFixed(0)} MB/s`;
  return String(Number(value.toPrecision(4)));
}

function notes(r: BenchRow): string {
  if (!r.extra) return '';
  return Object.entries(r.extra)
    .filter(([k]) => k !== 'ratio')
    .map(([k, v]) => `${k}=${typeof v === 'number' ? formatExtra(k, v) : v}`)
    .join(', ');
}

function throughputSeries(rows: readonly BenchRow[], hash: string): ChartSeries[] {
  const groups = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    if (r.skipped || r.hash !== hash || r.test !== 'leaf' || r.bytesPerSecond === undefined || (r.threads ?? 1) !== 1) continue;
    if (r.suite === 'kernels' && r.mode !== 'batched') continue;
    const name = r.suite === 'kernels' ? `${r.implementation.replace('merkle-engine ', '')} (${r.kernel})` : r.implementation;
    const points = groups.get(name) ?? [];
    points.push([r.size!, r.bytesPerSecond / 1e6]);
    groups.set(name, points);
  }
  return [...groups].map(([name, points]) => ({ name, points }));
}

function scalingSeries(rows: readonly BenchRow[]): ChartSeries[] {
  const groups = new Map<string, Array<[number, number]>>();
  for (const r of rows) {
    if (r.skipped || r.test !== 'file-build' || r.bytesPerSecond === undefined || r.threads === undefined) continue;
    const name = `${r.implementation.replace('merkle-engine ', '')}${r.size ? ` ${formatBytes(r.size)}` : ''}`;
    const points = groups.get(name) ?? [];
    points.push([r.threads, r.bytesPerSecond / 1e6]);
    groups.set(name, points);
  }
  return [...groups].map(([name, points]) => ({ name, points }));
}

/** writeReport writes report.json, report.md and the charts into `dir` and returns the file paths. */
export async function writeReport(report: BenchReport, dir: string): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files: Array<[string, string]> = [
    ['report.json', `${JSON.stringify(report, null, 2)}\n`],
    ['report.md', renderMarkdown(report)],
    ['sha256-throughput.svg', renderLineChart({ title: 'SHA-256 throughput vs message size (1 thread)', xLabel: 'leaf / message size', yLabel: 'MB/s', xLog2: true, formatX: formatBytes, series: throughputSeries(report.rows, 'sha256') })],
    ['blake3-throughput.svg', renderLineChart({ title: 'BLAKE3 throughput vs message size (1 thread)', xLabel: 'leaf / message size', yLabel: 'MB/s', xLog2: true, formatX: formatBytes, series: throughputSeries(report.rows, 'blake3') })],
    ['thread-scaling.svg', renderLineChart({ title: 'File build throughput vs threads', xLabel: 'threads', yLabel: 'MB/s', series: scalingSeries(report.rows) })],
  ];
  const written: string[] = [];
  for (const [name, text] of files) {
    const file = path.join(dir, name);
    await writeFile(file, text);
    written.push(file);
  }
  return written;
}
