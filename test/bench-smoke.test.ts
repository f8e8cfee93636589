/**
 * Smoke test of `merkle bench`: the tiny preset (hidden `--preset tiny`, seconds) runs every
 * suite end to end through the built binary and writes a valid report: JSON with the recorded
 * environment and rows, markdown with the targets, and SVG charts with axes and drawn lines.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { targetTable } from '../src/bench/report.js';
import { renderLineChart } from '../src/bench/svg.js';
import { evaluateTargets } from '../src/bench/targets.js';
import type { BenchRow } from '../src/bench/results.js';
import { merkle, tempDir } from './helpers/cli.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);

/** svgShape checks an SVG document the way a viewer needs it: one <svg> root, balanced tags, drawn paths. */
function svgShape(text: string): { root: string; pathData: string[]; texts: string[] } {
  const trimmed = text.trim();
  const root = /^<svg\b[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/.exec(trimmed)?.[0] ?? '';
  expect(trimmed.endsWith('</svg>')).toBe(true);
  const stack: string[] = [];
  for (const tag of trimmed.matchAll(/<(\/?)([a-zA-Z]+)\b[^>]*?(\/?)>/g)) {
    const [, closing, name, selfClosing] = tag;
    if (selfClosing) continue;
    if (closing) expect(stack.pop()).toBe(name);
    else stack.push(name!);
  }
  expect(stack).toEqual([]);
  const pathData = [...trimmed.matchAll(/<path\b[^>]*\sd="([^"]*)"/g)].map((m) => m[1]!);
  const texts = [...trimmed.matchAll(/<text\b[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
  return { root, pathData, texts };
}

describe('merkle bench', () => {
  it('--quick --json --out DIR with the tiny preset exits 0 and writes JSON, markdown and SVG', () => {
    const out = path.join(dir, 'report');
    const result = merkle(['bench', '--quick', '--json', '--out', out, '--preset', 'tiny']);
    expect(result.stderr).toMatch(/bench: kernels: /); // progress on stderr
    expect(result.code).toBe(0);
    const report = JSON.parse(result.stdout) as { environment: Record<string, unknown>; rows: BenchRow[]; targets: Array<{ status: string }> };
    expect(JSON.parse(readFileSync(path.join(out, 'report.json'), 'utf8'))).toEqual(report);
    for (const key of ['date', 'cpuModel', 'cpuFlags', 'node', 'threads', 'backends']) expect(report.environment).toHaveProperty(key);
    const measured = report.rows.filter((r) => !r.skipped);
    for (const suite of ['kernels', 'peers', 'trees', 'overhead']) expect(measured.some((r) => r.suite === suite)).toBe(true);
    for (const r of measured) {
      for (const v of [r.bytesPerSecond, r.hashesPerSecond, r.seconds]) if (v !== undefined) expect(Number.isFinite(v) && v > 0).toBe(true);
    }
    // The piped builds (a child process running `merkle build -` in-process) must run, not be
    // skipped because the child failed.
    for (const test of ['stream-stdin', 'stream-stdin-vs-file', 'stream-stdin-file', 'stream-stdin-read-only']) {
      const rows = report.rows.filter((r) => r.test === test);
      expect(rows.length, test).toBeGreaterThan(0);
      for (const r of rows) expect(r.skipped, test).toBeUndefined();
    }
    expect(report.targets.length).toBeGreaterThan(10);
    for (const t of report.targets) expect(['met', 'not met', 'not measured']).toContain(t.status);

    const markdown = readFileSync(path.join(out, 'report.md'), 'utf8');
    expect(markdown).toMatch(/^# merkle-engine benchmark report/);
    expect(markdown).toMatch(/## Targets/);
    for (const chart of ['sha256-throughput.svg', 'blake3-throughput.svg', 'thread-scaling.svg']) {
      const svg = svgShape(readFileSync(path.join(out, chart), 'utf8'));
      expect(svg.root).not.toBe('');
      // Axes plus at least one series line with two or more points.
      expect(svg.pathData.some((d) => /^M[\d.]+ [\d.]+(L[\d.]+ [\d.]+)+$/.test(d))).toBe(true);
      expect(svg.texts.length).toBeGreaterThan(3);
    }
  });

  it('rejects an unknown preset naming the option', () => {
    const result = merkle(['bench', '--preset', 'huge', '--out', path.join(dir, 'x')]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--preset must be one of tiny, quick, full/);
  });
});

describe('bench targets', () => {
  const env = { backends: [{ hash: 'sha256', auto: 'node', backends: [] }] } as never;
  const row = (r: Partial<BenchRow>): BenchRow => ({ suite: 'kernels', test: 'leaf', implementation: '', ...r }) as BenchRow;

  it('judges a ratio against its threshold from rows of the run, and says "not measured" when a side is missing', () => {
    const rows = [
      row({ implementation: 'merkle-engine sha256/node/dispatched', size: 4096, mode: 'batched', bytesPerSecond: 960 }),
      row({ suite: 'peers', implementation: 'openssl speed', size: 4096, threads: 1, bytesPerSecond: 1000 }),
      row({ implementation: 'merkle-engine sha256/node/dispatched', size: 65536, mode: 'batched', bytesPerSecond: 900 }),
      row({ suite: 'peers', implementation: 'openssl speed', size: 65536, threads: 1, bytesPerSecond: 1000 }),
    ];
    const targets = evaluateTargets(rows, env);
    const byId = new Map(targets.map((t) => [t.id, t]));
    expect(byId.get('sha256-leaf-4096')).toMatchObject({ status: 'met', ratio: 0.96 });
    expect(byId.get('sha256-leaf-65536')).toMatchObject({ status: 'not met', ratio: 0.9 });
    expect(byId.get('sha256-leaf-1048576')!.status).toBe('not measured');
    expect(byId.get('stream-rss')!.status).toBe('not measured');
  });
});

describe('renderLineChart', () => {
  it('escapes labels and leaves out empty series', () => {
    const svg = renderLineChart({ title: 'a < b & c', xLabel: 'x', yLabel: 'y', series: [{ name: 'one', points: [[1, 2], [2, 4]] }, { name: 'empty', points: [] }] });
    expect(svg).toContain('a &lt; b &amp; c');
    expect(svg).not.toContain('>empty<');
    expect(svgShape(svg).pathData.some((d) => d.includes('L'))).toBe(true);
  });
});

describe('targetTable', () => {
  it('escapes a shell pipeline in a figure, so the row keeps its four cells', () => {
    const md = targetTable([{ id: 'x', target: 'pipe', status: 'met', ratio: 1, threshold: 1, detail: 'dd if=/dev/zero | merkle build -' }]);
    const row = md.split('\n')[2]!;
    expect(row).toContain('dd if=/dev/zero \\| merkle build -');
    expect(row.split(/(?<!\\)\|/).length - 2).toBe(4);
  });
});
