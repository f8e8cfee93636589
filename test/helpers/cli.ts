/** Runs the built `merkle` binary (bin/merkle.cjs → dist/) as a child process. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kRepoRoot } from './vectors.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function merkle(args: string[], options: { input?: string | Uint8Array; env?: Record<string, string> } = {}): CliResult {
  const result = spawnSync(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), ...args], {
    input: options.input,
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** tempDir makes a fresh directory and returns it with a cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'merkle-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}
