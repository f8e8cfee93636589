/**
 * Crash safety: a child `merkle build --checkpoint` is SIGKILLed at random moments; `--resume`
 * then gives the uninterrupted root and tree file every time. A corrupt or mismatched
 * checkpoint is refused by name and only `--restart` discards it.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTree } from '../src/api/build.js';
import { merkle, tempDir } from './helpers/cli.js';
import { randomBytes, seededRandom } from './helpers/reference.js';
import { kRepoRoot } from './helpers/vectors.js';

const { dir, cleanup } = tempDir();
afterAll(cleanup);
const dataFile = path.join(dir, 'data.bin');
// Small segments and a checkpoint after every one, so a build of this size writes many.
const kArgs = ['--block-size', '4KiB', '--segment-size', '256KiB', '--checkpoint-every', '0', '--threads', '1'];
let wantRoot = '';

beforeAll(async () => {
  writeFileSync(dataFile, randomBytes(seededRandom(123), 160 * 1024 * 1024 + 777));
  wantRoot = (await buildTree(dataFile, { blockSize: 4096 })).rootHex;
});

/**
 * buildAndKill starts a checkpointed build and SIGKILLs it `afterMs` after its first checkpoint
 * appears in `checkpointDir` (so the kill lands mid-build, at a random point past a checkpoint).
 */
function buildAndKill(args: string[], checkpointDir: string, afterMs: number): Promise<void> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), ...args], { stdio: 'ignore' });
    const poll = setInterval(() => {
      if (!existsSync(path.join(checkpointDir, 'checkpoint.json'))) return;
      clearInterval(poll);
      setTimeout(() => child.kill('SIGKILL'), afterMs);
    }, 2);
    child.on('exit', () => {
      clearInterval(poll);
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
      const killAt = Math.floor(random() * 40);
      await buildAndKill(args, checkpoint, killAt);
      expect(existsSync(path.join(checkpoint, 'checkpoint.json')), `trial ${trial}: killed mid-build`).toBe(true);
      const resumed = merkle([...args, '--resume']);
      expect(resumed.stderr, `trial ${trial}, killed ${killAt} ms after the first checkpoint`).toBe('');
      expect(resumed.stdout.trim(), `trial ${trial}, killed ${killAt} ms after the first checkpoint`).toBe(wantRoot);
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
      const child = spawn(process.execPath, [path.join(kRepoRoot, 'bin', 'merkle.cjs'), 'build', '-', ...kArgs, '--checkpoint', checkpoint], {
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
    await buildAndKill(args, checkpoint, 0);
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
