#!/usr/bin/env node
// The `merkle` command: dist/cli/merkle.cjs is the CLI bundled into one CommonJS file for a
// fast start (built by `npm run build`; see scripts/bundle-cli.mjs).
require('../dist/cli/merkle.cjs');
