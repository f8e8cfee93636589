/**
 * Crash safety: a child `merkle build --checkpoint` is SIGKILLed at random moments; `--resume`
 * then gives the uninterrupted root and tree file every time. A corrupt or mismatched
 * checkpoint is refused by name and only `--restart` discards it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/build.js';
import { merkle, tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const dataFile = path.join(dir, 'data.bin');
const kArgs = ['--block-size', '4KiB', '--segment-size', '256KiB', '--checkpoint-every', '0.02', '--threads', '2'];
let wantRoot = '';

beforeAll(async () => {
  writeFileSync(dataFile, randomBytes(seededRandom(123), 48 * 1024 * 1024 + 777));
  wantRoot = (await buildTree(dataFile, { blockSize: 4096 })).rootHex;
});

function buildAndKill(args: string[], afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.js'), ...args], { stdio: 'ignore' });
    const timer = setTimeout(() => child.kill('SIGKILL'), afterMs);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

describe('checkpoint and resume', () => {
  it('SIGKILL at random moments, then --resume: the uninterrupted root every time (seed 55)', async () => {
    const random = seededRandom(55);
    for (let trial = 0; trial < 4; trial++) {
      const checkpoint = path.join(dir, `ck-${trial}`);
      const out = path.join(dir, `tree-${trial}.mtree`);
      const args = ['build', dataFile, ...kArgs, '--checkpoint', checkpoint, '-o', out];
      const killAt = 150 + Math.floor(random() * 500);
      await buildAndKill(args, killAt);
      const resumed = merkle([...args, '--resume']);
      expect(resumed.stderr, `trial ${trial}, killed at ${killAt} ms`).toBe('');
      expect(resumed.stdout.trim(), `trial ${trial}, killed at ${killAt} ms`).toBe(wantRoot);
      const info = JSON.parse(merkle(['info', out, '--verify', '--json']).stdout);
      expect(info.root).toBe(wantRoot);
      expect(existsSync(path.join(checkpoint, 'checkpoint.json'))).toBe(false);
    }
  });

  it('resumes a stream from stdin (the same bytes replayed)', async () => {
    const checkpoint = path.join(dir, 'ck-stdin');
    const data = readFileSync(dataFile);
    // Kill a stdin build part-way by feeding it only half the data and then killing it.
    await new Promise<void>((resolve) => {
      const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.js'), 'build', '-', ...kArgs, '--checkpoint', checkpoint], {
        stdio: ['pipe', 'ignore', 'ignore'],
      });
      child.stdin.on('error', () => undefined);
      child.stdin.write(data.subarray(0, data.length / 2), () => setTimeout(() => child.kill('SIGKILL'), 300));
      child.on('exit', () => resolve());
    });
    expect(existsSync(path.join(checkpoint, 'checkpoint.json'))).toBe(true);
    const resumed = merkle(['build', '-', ...kArgs, '--checkpoint', checkpoint, '--resume'], { input: data });
    expect(resumed.stderr).toBe('');
    expect(resumed.stdout.trim()).toBe(wantRoot);
  });

  it('refuses a corrupt checkpoint by name; --restart discards it', async () => {
    const checkpoint = path.join(dir, 'ck-corrupt');
    const args = ['build', dataFile, ...kArgs, '--checkpoint', checkpoint];
    mkdirSync(checkpoint);
    writeFileSync(path.join(checkpoint, 'checkpoint.json'), '{"body":"{}","checksum":"00"}');
    const corrupt = merkle([...args, '--resume']);
    expect(corrupt.code).toBe(2);
    expect(corrupt.stderr).toMatch(/corrupt checkpoint \(checksum [0-9a-f]{64}, want 00\); --restart discards it/);
    const body = JSON.stringify({ format: 'merkle-engine checkpoint', version: 1 });
    writeFileSync(path.join(checkpoint, 'checkpoint.json'), JSON.stringify({ body, checksum: 'f'.repeat(64) }));
    expect(merkle([...args, '--resume']).stderr).toMatch(/corrupt checkpoint/);
    const restarted = merkle([...args, '--restart']);
    expect(restarted.stdout.trim()).toBe(wantRoot);
  });

  it('a flipped byte in a real checkpoint is detected, and a checkpoint of another build is refused', async () => {
    const checkpoint = path.join(dir, 'ck-flip');
    const args = ['build', dataFile, ...kArgs, '--checkpoint', checkpoint];
    for (let attempt = 0; attempt < 10 && !existsSync(path.join(checkpoint, 'checkpoint.json')); attempt++) {
      await buildAndKill(args, 300 + attempt * 100);
    }
    const file = path.join(checkpoint, 'checkpoint.json');
    const original = readFileSync(file);
    const other = merkle([...args.filter((a) => a !== '4KiB' && a !== '--block-size'), '--block-size', '8KiB', '--resume']);
    expect(other.code).toBe(2);
    expect(other.stderr).toMatch(/checkpoint is for another build: blockSize is 4096 in the checkpoint, 8192 now/);
    const fresh = merkle(args);
    expect(fresh.stderr).toMatch(/holds a checkpoint of an unfinished build: --resume continues it, --restart discards it/);
    const flipped = Buffer.from(original);
    flipped[Math.floor(flipped.length / 2)]! ^= 0x04;
    writeFileSync(file, flipped);
    expect(merkle([...args, '--resume']).stderr).toMatch(/corrupt checkpoint/);
    writeFileSync(file, original);
    expect(merkle([...args, '--resume']).stdout.trim()).toBe(wantRoot);
  });
});
