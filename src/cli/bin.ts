/**
 * The `merkle` process: what bin/merkle.cjs runs. scripts/bundle.mjs bundles this file and
 * everything it imports into dist/cli/merkle.cjs (see docs/architecture.md, "Start-up").
 */
import { main } from './main.js';

// Standard output goes through writeOut (output.ts), which also ends the process quietly when
// its reader stops early (`merkle backends | head`).
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
