// Re-renders a bench report from its report.json: re-judges the targets from the rows (a pure
// function of the same run's figures) and rewrites report.json, report.md and the SVG charts.
// Nothing is re-measured. Use after a change to the report's layout or to the targets' wording.
//   node bench/render.mjs [DIR]     (default docs/bench)
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { writeReport } from '../dist/bench/report.js';
import { evaluateTargets } from '../dist/bench/targets.js';

const dir = process.argv[2] ?? 'docs/bench';
const report = JSON.parse(readFileSync(path.join(dir, 'report.json'), 'utf8'));
report.targets = evaluateTargets(report.rows, report.environment);
const files = await writeReport(report, dir);
console.log(`wrote ${files.join(', ')}`);
