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

/**
 * catchesSignal resolves once process `pid` has a handler for `signal` (Linux: the SigCgt mask
 * in /proc/PID/status), so a test never interrupts a child that is still starting up — a fixed
 * sleep is too short on a loaded machine or under AddressSanitizer. Rejects after `timeoutMs`.
 */
export async function catchesSignal(pid: number, signal: number, timeoutMs = 20_000): Promise<void> {
  const { readFileSync } = await import('node:fs');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const caught = /^SigCgt:\s*([0-9a-f]+)$/m.exec(status)?.[1];
    if (caught !== undefined && (BigInt(`0x${caught}`) >> BigInt(signal - 1)) & 1n) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} did not install a handler for signal ${signal} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
