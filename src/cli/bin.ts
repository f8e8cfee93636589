/**
 * The `merkle` process: what bin/merkle.cjs runs. scripts/bundle-cli.mjs bundles this file and
 * everything it imports into dist/cli/merkle.cjs (see docs/architecture.md, "Start-up").
 */
import { main } from './main.js';

// A reader that stops early (`merkle backends | head`) is not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
