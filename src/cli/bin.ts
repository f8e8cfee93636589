/**
 * The `merkle` process: what bin/merkle.cjs runs. scripts/bundle.mjs bundles this file and
 * everything it imports into dist/cli/merkle.cjs (see docs/architecture.md, "Start-up").
 */
import { main } from './main.js';

// Warnings are one line each, in the CLI's own voice; Node's default adds a second line about
// --trace-warnings that a user of the command has no use for.
process.removeAllListeners('warning');
process.on('warning', (warning) => process.stderr.write(`merkle: warning: ${warning.message.replace(/^merkle-engine: /, '')}\n`));

// Standard output goes through writeOut (output.ts), which also ends the process quietly when
// its reader stops early (`merkle backends | head`).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
