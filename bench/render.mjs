// Re-renders report.md and the SVG charts of a bench report from its report.json (after a
// change to the report's layout; the figures are not re-measured).
//   node bench/render.mjs [DIR]     (default docs/bench)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeReport } from '../dist/bench/report.js';

const dir = process.argv[2] ?? 'docs/bench';
const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
const files = await writeReport(report, dir);
console.log(`wrote ${files.join(', ')}`);
