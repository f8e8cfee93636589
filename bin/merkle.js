#!/usr/bin/env node
// The `merkle` command. The code lives in dist/cli (compiled from src/cli by `npm run build`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`merkle backends | head`) is not an error.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

process.exitCode = await main(process.argv.slice(2));
