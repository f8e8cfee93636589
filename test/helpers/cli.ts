/** Runs the built `merkle` binary (bin/merkle.cjs → dist/) as a child process. */
import { spawn, spawnSync } from 'node:child_process';
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

/**
 * merkleAsync runs `merkle` without blocking this process's event loop: for commands that talk
 * to a server this process runs.
 */
export function merkleAsync(args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** tempDir makes a fresh directory and returns it with a cleanup function. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(path.join(tmpdir(), 'merkle-test-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}


/**
 * waitUntilPolling resolves once a thread of process `pid` sits in poll(2) / ppoll(2)
 * (Linux x86-64 syscall numbers 7 and 271, read from /proc/PID/task/TID/syscall): the native
 * fd reader waiting on a silent stdin. The event loop waits in epoll, never poll, so this is
 * the moment a build is reading. Rejects after `timeoutMs`.
 */
export async function waitUntilPolling(pid: number, timeoutMs = 20_000): Promise<void> {
  const { readdirSync, readFileSync } = await import('node:fs');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const polling = readdirSync(`/proc/${pid}/task`).some((tid) => {
      try {
        return ['7', '271'].includes(readFileSync(`/proc/${pid}/task/${tid}/syscall`, 'utf8').split(' ')[0]!);
      } catch {
        return false;
      }
    });
    if (polling) return;
    if (Date.now() > deadline) throw new Error(`process ${pid} was not polling its input within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
