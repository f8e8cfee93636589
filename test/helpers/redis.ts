/**
 * A throwaway redis-server (Debian's package) for the queue tests: on a free 127.0.0.1 port,
 * with its own temp directory and no persistence, stopped (and its directory removed) after.
 * `merkle worker` children run against it through WorkerFleet, which ends every child it
 * started.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { kRepoRoot } from './vectors.js';

export const haveRedis = spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).status === 0;

export interface RedisServer {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** freePort asks the kernel for a port free on 127.0.0.1 now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.setTimeout(500);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(path.join(tmpdir(), 'merkle-redis-'));
  const port = await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--protected-mode', 'yes'], { stdio: 'ignore' });
  const deadline = Date.now() + 10_000;
  while (!(await answersPing(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    async stop() {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** stopChild sends SIGTERM, then SIGKILL after `graceMs`, and resolves once the child is gone. */
export function stopChild(child: ChildProcess, graceMs = 3000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const kill = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export interface JobLine {
  job: string;
  build: string;
  range: number;
  error?: string;
}

/** `merkle worker` children on one queue; every job line they print is kept. */
export class WorkerFleet {
  readonly children: ChildProcess[] = [];
  readonly lines: JobLine[] = [];
  readonly #args: string[];

  constructor(url: string, extra: string[] = []) {
    this.#args = ['worker', '--queue', url, '--json', '--lock-seconds', '1', ...extra];
  }

  /** spawn starts one more worker and resolves once it waits for jobs. */
  spawn(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), ...this.#args], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.children.push(child);
    let pending = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const parsed = JSON.parse(line) as JobLine & { summary?: unknown };
        if (!parsed.summary) this.lines.push(parsed);
      }
    });
    return new Promise((resolve, reject) => {
      let stderr = '';
      child.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('waiting for jobs')) resolve(child);
      });
      child.once('exit', (code) => reject(new Error(`merkle worker exited (${code}) before it was ready: ${stderr}`)));
    });
  }

  live(): ChildProcess[] {
    return this.children.filter((c) => c.exitCode === null && c.signalCode === null);
  }

  /** resize starts or stops workers until `count` are live. */
  async resize(count: number): Promise<void> {
    while (this.live().length < count) await this.spawn();
    while (this.live().length > count) await stopChild(this.live().at(-1)!);
  }

  async stopAll(): Promise<void> {
    await Promise.all(this.children.map((child) => stopChild(child)));
  }
}
