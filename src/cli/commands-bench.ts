/**
 * `merkle bench`: runs the benchmark suite (src/bench/) and writes a JSON + markdown + SVG
 * report. Parses, calls runBench, prints; progress goes to stderr.
 */
import path from 'node:path';
import type { BenchPreset } from '../bench/run.js';
import type { Command } from './commands.js';
import { UsageError } from '../errors.js';
import { EXIT_OK } from './exit.js';
import { writeOut } from './output.js';

const bench: Command = {
  name: 'bench',
  summary: 'measure kernels, tree builds, proofs and peers; write a report',
  positionals: [0, 0],
  options: {
    quick: { type: 'boolean' },
    json: { type: 'boolean' },
    out: { type: 'string', short: 'o' },
    // Hidden: a preset by name (`tiny` is for the smoke test: seconds, meaningless figures).
    preset: { type: 'string' },
  },
  help: `Usage: merkle bench [--quick] [--json] [--out DIR]

Measures, in one run on this machine: every hash kernel on every backend (leaves of 64 B to
1 MiB, 64/65-byte nodes, one per call and batched), peer libraries and openssl speed, tree
builds from memory, files and streams (with peak RSS), proofs, diff, and overhead ratios;
then judges the project's performance targets against the peers measured in the same run.

  --quick       small sizes: about a minute on 2 cores (default: the full suite, which builds
                1 GiB files and streams 32 GiB: many minutes)
  -o, --out DIR write report.json, report.md and SVG charts to DIR (default .tmp/bench-report)
  --json        print the report as JSON on stdout (default: the targets table)
Progress is shown on stderr. Peers that are not installed (npm devDependencies) and tools that
are absent (openssl, b3sum) are reported as skipped.
`,
  async run(values) {
    // The suite loads when the command runs, not with every merkle command.
    const [{ kBenchPresets, runBench }, { targetTable }] = await Promise.all([import('../bench/run.js'), import('../bench/report.js')]);
    const chosen = (values['preset'] as string | undefined) ?? (values['quick'] ? 'quick' : 'full');
    if (!kBenchPresets.includes(chosen as BenchPreset)) throw new UsageError(`--preset must be one of ${kBenchPresets.join(', ')}, got ${JSON.stringify(chosen)}`);
    const outDir = (values['out'] as string | undefined) ?? path.join('.tmp', 'bench-report');
    const { report, files } = await runBench({
      preset: chosen as BenchPreset,
      outDir,
      progress: (message) => process.stderr.write(`bench: ${message}\n`),
    });
    process.stderr.write(`bench: wrote ${files.join(', ')}\n`);
    if (values['json']) writeOut(`${JSON.stringify(report, null, 2)}\n`);
    else writeOut(`${targetTable(report.targets)}\n`);
    return EXIT_OK;
  },
};

export const kBenchCommands: Record<string, Command> = { bench };
